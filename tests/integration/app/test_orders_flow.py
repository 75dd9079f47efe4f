"""An order travels every hop: Postgres, outbox, JetStream, S3, SNS→SQS, back to the API."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from subprocess import CompletedProcess
from typing import Any

import nats
import pytest
from orders_harness import (
    Names,
    Role,
    RoleFactory,
    Stack,
    free_port,
    http,
    metric,
    run_migrate,
    wait_for,
)

pytestmark = pytest.mark.timeout(300)

ORDER = {"sku": "SKU-42", "quantity": 3, "customer": "ada"}


def _receipted(api: Role, order_id: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        status, _, body = http("GET", f"{api.url}/orders/{order_id}")
        return body if status == 200 and body["status"] == "receipted" else None

    result: dict[str, Any] = wait_for(f"order {order_id} receipted", check)
    return result


async def _stream_messages(port: int, names: Names) -> list[Any]:
    nc = await nats.connect(f"nats://127.0.0.1:{port}")
    try:
        js = nc.jetstream()
        info = await js.stream_info(names.stream)
        first, last = info.state.first_seq, info.state.last_seq
        return [await js.get_msg(names.stream, seq) for seq in range(first, last + 1)]
    finally:
        await nc.close()


async def _republish(port: int, names: Names, data: bytes, msg_id: str) -> bool:
    nc = await nats.connect(f"nats://127.0.0.1:{port}")
    try:
        ack = await nc.jetstream().publish(names.subject, data, headers={"Nats-Msg-Id": msg_id})
        return not ack.duplicate
    finally:
        await nc.close()


def test_concurrent_migrations_apply_each_file_once(
    migrated: list[CompletedProcess[str]], app_env: dict[str, str], stack: Stack
) -> None:
    assert [r.returncode for r in migrated] == [0, 0], [r.stdout for r in migrated]
    again = run_migrate(app_env)[0]
    assert again.returncode == 0, again.stdout
    with stack.pg() as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert versions == ["0001_orders"]


def test_order_reaches_every_hop(
    api: Role,
    worker: Role,
    stack: Stack,
    names: Names,
    drain_queue: Callable[[], list[dict[str, Any]]],
) -> None:
    status, headers, body = http("POST", f"{api.url}/orders", ORDER)
    assert status == 201, body
    assert body["status"] == "pending"
    order_id = body["id"]
    assert headers["location"] == f"/orders/{order_id}"

    order = _receipted(api, order_id)
    assert {k: order[k] for k in ORDER} == ORDER

    with stack.pg() as conn:
        row = conn.execute("SELECT status FROM orders WHERE id = %s", (order_id,)).fetchone()
        outbox = conn.execute(
            "SELECT id, published_at FROM outbox WHERE aggregate_id = %s", (order_id,)
        ).fetchall()
        ledger = conn.execute(
            "SELECT message_id FROM processed_events WHERE order_id = %s", (order_id,)
        ).fetchall()
    assert row == ("receipted",)
    assert len(outbox) == 1 and outbox[0][1] is not None, "outbox row not marked published"
    outbox_id = str(outbox[0][0])
    assert ledger == [(outbox_id,)]

    messages = asyncio.run(_stream_messages(stack.nats_port, names))
    mine = [m for m in messages if json.loads(m.data)["order_id"] == order_id]
    assert len(mine) == 1
    assert mine[0].headers["Nats-Msg-Id"] == outbox_id
    assert mine[0].subject == names.subject

    receipt = stack.aws("s3").get_object(Bucket=names.bucket, Key=f"receipts/{order_id}.json")
    assert json.loads(receipt["Body"].read())["order_id"] == order_id

    notices = wait_for("SNS notification in SQS", drain_queue, timeout=30)
    assert [n["order_id"] for n in notices] == [order_id]
    assert notices[0]["type"] == "order.receipted"


def test_redelivered_event_is_not_processed_twice(
    api: Role,
    worker: Role,
    stack: Stack,
    names: Names,
    drain_queue: Callable[[], list[dict[str, Any]]],
) -> None:
    status, _, body = http("POST", f"{api.url}/orders", {**ORDER, "customer": "grace"})
    assert status == 201
    order_id = body["id"]
    _receipted(api, order_id)
    wait_for("first notification", drain_queue, timeout=30)
    receipt_before = (
        stack.aws("s3")
        .get_object(Bucket=names.bucket, Key=f"receipts/{order_id}.json")["Body"]
        .read()
    )
    duplicates_before = metric(worker, "orders_events_processed_total", 'outcome="duplicate"')

    original = next(
        m
        for m in asyncio.run(_stream_messages(stack.nats_port, names))
        if json.loads(m.data)["order_id"] == order_id
    )
    # Past the stream's de-duplication window the same message id is stored and delivered
    # again, as after a relay crash between publishing and marking the row.
    wait_for(
        "stream to accept the repeated message id",
        lambda: asyncio.run(
            _republish(stack.nats_port, names, original.data, original.headers["Nats-Msg-Id"])
        ),
        timeout=15,
    )
    wait_for(
        "worker to see the redelivery",
        lambda: (
            metric(worker, "orders_events_processed_total", 'outcome="duplicate"')
            > duplicates_before
        ),
        timeout=30,
    )

    assert drain_queue() == [], "a redelivery announced the order again"
    with stack.pg() as conn:
        count = conn.execute(
            "SELECT count(*) FROM processed_events WHERE order_id = %s", (order_id,)
        ).fetchone()
    assert count == (1,)
    receipt_after = (
        stack.aws("s3")
        .get_object(Bucket=names.bucket, Key=f"receipts/{order_id}.json")["Body"]
        .read()
    )
    assert receipt_after == receipt_before


def test_two_relays_publish_each_order_once(
    api: Role, worker: Role, start_role: RoleFactory, stack: Stack, names: Names
) -> None:
    relay = start_role("relay")
    ids = []
    for n in range(6):
        status, _, body = http("POST", f"{api.url}/orders", {**ORDER, "quantity": n + 1})
        assert status == 201
        ids.append(body["id"])
    for order_id in ids:
        _receipted(api, order_id)
    messages = asyncio.run(_stream_messages(stack.nats_port, names))
    published = [json.loads(m.data)["order_id"] for m in messages]
    assert sorted(o for o in published if o in ids) == sorted(ids)
    assert relay.terminate() == 0


def test_bad_requests_get_clear_answers(api: Role) -> None:
    status, _, body = http("POST", f"{api.url}/orders", {"sku": "x", "quantity": 0})
    assert status == 422
    assert set(body["fields"]) == {"quantity", "customer"}
    assert http("GET", f"{api.url}/orders/not-an-id")[0] == 404
    assert http("GET", f"{api.url}/orders/00000000-0000-0000-0000-000000000000")[0] == 404


def test_rate_limit_answers_429_past_the_budget(start_role: RoleFactory, stack: Stack) -> None:
    # Its own Redis database, so the other tests' requests do not spend its budget.
    redis_db1 = f"redis://127.0.0.1:{stack.redis_port}/1"
    limited = start_role("api", RATE_LIMIT_PER_MINUTE="3", REDIS_URL=redis_db1)
    statuses = [http("GET", f"{limited.url}/orders/not-an-id")[0] for _ in range(3)]
    assert statuses == [404, 404, 404]
    status, headers, body = http("POST", f"{limited.url}/orders", ORDER)
    assert status == 429
    assert 1 <= int(headers["retry-after"]) <= 60
    assert body["error"] == "rate limit exceeded"


def test_metrics_count_what_happened(api: Role, worker: Role) -> None:
    assert metric(api, "orders_created_total") >= 1
    assert metric(api, "orders_http_requests_total", 'method="POST",route="/orders",status="201"')
    assert metric(worker, "orders_events_relayed_total") >= 1
    assert metric(worker, "orders_events_processed_total", 'outcome="processed"') >= 1


def test_health_reports_a_dependency_down_and_recovers(
    api: Role, worker: Role, stack: Stack
) -> None:
    redis_container = stack.containers["redis"]
    redis_container.docker("pause")
    try:
        status, _, body = http("GET", f"{api.url}/healthz")
        assert status == 503
        assert body["dependencies"]["redis"]["status"] == "down"
        assert body["dependencies"]["postgres"] == {"status": "up"}
        # Orders are still taken while the cache and rate limiter are gone.
        assert http("POST", f"{api.url}/orders", ORDER)[0] == 201
    finally:
        redis_container.docker("unpause")
    wait_for("api healthy again", lambda: http("GET", f"{api.url}/healthz")[0] == 200)
    status, _, body = http("GET", f"{worker.url}/healthz")
    assert status == 200
    assert set(body["dependencies"]) == {"postgres", "redis", "nats", "s3"}


def test_sigterm_stops_cleanly_and_logs_hold_no_secret(
    start_role: RoleFactory, stack: Stack
) -> None:
    api, worker = start_role("api"), start_role("worker")
    status, _, body = http("POST", f"{api.url}/orders", {**ORDER, "customer": "linus"})
    assert status == 201
    _receipted(api, body["id"])
    assert worker.terminate() == 0
    assert api.terminate() == 0
    for role in (api, worker):
        text = role.log_text()
        assert stack.pg_password not in text
        assert stack.redis_password not in text
        lines = role.log_lines()
        assert any(line["message"] == f"{role.name} stopped" for line in lines), text
        assert "Traceback" not in text


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"NATS_DURABLE": "absent"}, "JetStream consumer absent"),
        ({"RECEIPTS_BUCKET": "absent-bucket"}, "S3 bucket absent-bucket"),
        ({"ORDER_EVENTS_TOPIC": "absent-topic"}, "SNS topic absent-topic"),
    ],
)
def test_worker_refuses_to_start_without_provisioned_resources(
    app_env: dict[str, str],
    migrated: list[CompletedProcess[str]],
    override: dict[str, str],
    expected: str,
) -> None:
    env = {**app_env, "HEALTH_PORT": str(free_port()), **override}
    result = subprocess.run(
        [sys.executable, "-m", "orders", "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["message"].startswith(expected)
    assert last["hint"]
    assert "Traceback" not in result.stdout + result.stderr
