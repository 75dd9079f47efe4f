"""The replay suite on the dev replica: orders placed through the API, their stream recorded,
replayed; then a worker that does not deduplicate, which the suite must catch."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from greenroom.errors import SuiteError
from greenroom.release.ledger import entries
from greenroom.runtime import Replica, down, up
from greenroom.suites import resolve_target, run_suite
from greenroom.suites.replay.recording import expectation, read, record_stream

ORDERS = 12
UNGUARDED = ["services.worker.env.DEDUPLICATE_EVENTS=0"]


def place_orders(api_url: str, count: int) -> list[str]:
    """Orders through the API, each followed until its receipt is made."""
    placed = []
    for number in range(count):
        body = json.dumps({"sku": f"replay-{number}", "quantity": 1, "customer": "replay"})
        request = urllib.request.Request(
            f"{api_url}/orders", data=body.encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            placed.append(json.loads(answer.read())["id"])
    end = time.monotonic() + 60
    for order in placed:
        while True:
            with urllib.request.urlopen(f"{api_url}/orders/{order}", timeout=5) as answer:
                if json.loads(answer.read())["status"] == "receipted":
                    break
            assert time.monotonic() < end, f"order {order} was never receipted"
            time.sleep(0.2)
    return placed


@pytest.fixture(scope="module")
def recorded(dev_replica: Replica, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ORDERS stream of the dev replica, after orders placed for this test, in a file."""
    target = resolve_target("dev")
    place_orders(target.api_url, ORDERS)
    path = tmp_path_factory.mktemp("replay") / "orders.ndjson.gz"
    assert record_stream("dev", "ORDERS", output=str(path)) == path
    return path


@pytest.fixture
def replay_file(recorded: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GREENROOM_REPLAY_FILE", str(recorded))
    return recorded


def test_a_recorded_stream_keeps_subjects_ids_and_payloads(recorded: Path) -> None:
    messages = read(recorded)
    assert len(messages) >= ORDERS
    ids = [m.headers.get("Nats-Msg-Id") for m in messages]
    assert all(ids) and len(set(ids)) == len(ids)
    assert {m.subject for m in messages} == {"orders.created"}
    assert all(json.loads(m.data)["type"] == "order.created" for m in messages)
    assert [m.seq for m in messages] == sorted(m.seq for m in messages)


def test_replay_is_deterministic_idempotent_and_survives_a_pause(
    replay_file: Path, tmp_path: Path
) -> None:
    target = resolve_target("dev")
    ledger = tmp_path / "ledger.jsonl"
    run = run_suite("replay", "dev", target=target, junit=tmp_path / "first.xml", ledger=ledger)
    assert run.passed and run.summary.tests == 3 and run.summary.skipped == 0
    kept = json.loads(expectation(replay_file).read_text())
    assert kept["items"]["table processed_events"].startswith(f"{len(read(replay_file))} entries")

    again = run_suite(
        "replay",
        "dev",
        target=target,
        junit=tmp_path / "again.xml",
        ledger=ledger,
        extra_args=["-k", "deterministic"],
    )
    assert again.passed, "a second run reaches the digest the first one kept"
    assert [e.result for e in entries(target.digest, ledger)] == ["pass", "pass"]


@pytest.fixture
def unguarded(dev_replica: Replica) -> Iterator[list[str]]:
    """The dev replica with a worker that takes every delivery for a new message."""
    down("dev")
    up("dev", overrides=UNGUARDED)
    yield UNGUARDED
    down("dev", overrides=UNGUARDED)
    up("dev")


def test_a_worker_that_does_not_deduplicate_is_caught(
    unguarded: list[str], replay_file: Path, tmp_path: Path
) -> None:
    target = resolve_target("dev", overrides=unguarded)
    with pytest.raises(SuiteError) as failed:
        run_suite(
            "replay",
            "dev",
            target=target,
            junit=tmp_path / "unguarded.xml",
            ledger=tmp_path / "ledger.jsonl",
            extra_args=["-k", "twice"],
        )
    details = failed.value.details
    assert "a second time changed the state" in details
    assert "queue order-audit" in details
