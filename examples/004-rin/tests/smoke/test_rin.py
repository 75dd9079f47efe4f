"""Rin's own smoke tests: a write travels the outbox path to the projections, and the seed's
boundaries hold on the replica.

The path (§3 of the seed): API write -> PostgreSQL row and outbox row in one transaction -> relay
-> JetStream (Nats-Msg-Id = outbox id, so a repeat is dropped) -> the search projection (PG FTS)
and, for contact events, the ranking service and the lake bucket.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import pytest

T = TypeVar("T")
DEADLINE = 20.0
DATA_PLANE = ("postgres", "nats", "aws")
PUBLISHED: dict[str, set[str]] = {
    "dev": {
        "ingress",
        "gateway",
        "identity",
        "contacts",
        "profile",
        "disputes",
        "ranking",
        "search",
    },
    "stage": {"ingress"},
    "prod": {"ingress"},
}


def http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    return status, json.loads(raw) if raw else None


def eventually(what: str, probe: Callable[[], T | None]) -> T:
    """``probe``'s first truthy answer within the deadline, else a failure naming the hop."""
    end = time.monotonic() + DEADLINE
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > end:
            pytest.fail(f"{what}: nothing after {DEADLINE:.0f}s")
        time.sleep(0.25)


def new_owner(api_url: str) -> dict[str, Any]:
    marker = uuid.uuid4().hex[:10]
    status, owner = http(
        "POST", f"{api_url}/v1/owners", {"handle": f"h{marker}", "display_name": f"smoke{marker}"}
    )
    assert status == 201, owner
    return dict(owner)


def search(api_url: str, terms: str) -> list[dict[str, str]]:
    status, found = http("GET", f"{api_url}/v1/search?q={quote(terms)}")
    assert status == 200, found
    return list(found["hits"])


def test_a_write_reaches_the_search_projection_through_the_outbox_and_jetstream(
    api_url: str, pg_conn: Any, nats_connection: Any
) -> None:
    owner = new_owner(api_url)
    event_id, owner_id = owner["event_id"], owner["owner_id"]

    row = pg_conn.execute("SELECT handle FROM owners WHERE id = %s", (owner_id,)).fetchone()
    assert row == (owner["handle"],), "the owner is not in PostgreSQL"
    outbox = pg_conn.execute(
        "SELECT subject, payload->'data'->>'owner_id' FROM outbox WHERE id = %s", (event_id,)
    ).fetchone()
    assert outbox == ("events.owner.created", owner_id), "no outbox row beside the owner"

    def published() -> bool:
        found = pg_conn.execute("SELECT published_at FROM outbox WHERE id = %s", (event_id,))
        return found.fetchone()[0] is not None

    eventually("the relay marks the outbox row published", published)

    async def last_message(nc: Any) -> Any:
        return await nc.jetstream().get_last_msg("EVENTS", "events.owner.created")

    message = nats_connection.run(last_message)
    assert message.headers and message.headers.get("Nats-Msg-Id"), "published without an id"

    hits = eventually(
        "the search projection indexes the owner",
        lambda: search(api_url, owner["display_name"]),
    )
    assert [hit["doc_id"] for hit in hits] == [f"owner:{owner_id}"]


def test_the_same_outbox_row_published_again_is_dropped_by_jetstream(
    api_url: str, pg_conn: Any, nats_connection: Any
) -> None:
    owner = new_owner(api_url)
    eventually("the owner is indexed", lambda: search(api_url, owner["display_name"]))
    payload = pg_conn.execute(
        "SELECT payload::text FROM outbox WHERE id = %s", (owner["event_id"],)
    ).fetchone()[0]

    async def publish_again(nc: Any) -> Any:
        return await nc.jetstream().publish(
            "events.owner.created", payload.encode(), headers={"Nats-Msg-Id": owner["event_id"]}
        )

    ack = nats_connection.run(publish_again)
    assert ack.duplicate, "JetStream stored a repeat of an outbox row"


def test_a_contact_reaches_the_ranking_and_the_lake(
    api_url: str, s3_client: Any, greenroom_env: Any
) -> None:
    owner = new_owner(api_url)
    contact = {
        "owner_id": owner["owner_id"],
        "name": f"friend {owner['handle']}",
        "circle": "close",
    }
    status, created = http("POST", f"{api_url}/v1/contacts", contact)
    assert status == 201, created

    def ranked() -> dict[str, int] | None:
        _, answer = http("GET", f"{api_url}/v1/ranks/{owner['owner_id']}")
        return dict(answer["circles"]) or None

    assert eventually("the ranking counts the contact", ranked) == {"close": 1}
    hits = eventually("the contact is searchable", lambda: search(api_url, owner["handle"]))
    assert f"contact:{created['contact_id']}" in {hit["doc_id"] for hit in hits}
    (bucket,) = [b.name for b in greenroom_env.components["aws"].buckets]
    key = f"contacts/{owner['owner_id']}/{created['contact_id']}.json"
    stored = json.loads(s3_client.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert stored["circle"] == "close"


def test_internal_services_refuse_a_call_without_the_service_token(
    service_urls: dict[str, str],
) -> None:
    for name in ("identity", "contacts", "profile", "disputes", "ranking", "search"):
        status, answer = http("POST" if name == "identity" else "GET", f"{service_urls[name]}/v1/x")
        assert status == 401, f"{name} answered {status} without the service token: {answer}"
        status, _ = http("GET", f"{service_urls[name]}/healthz")
        assert status == 200, f"{name}'s health is not open to the platform's probes"


def _outward_address() -> str | None:
    """The host's address on its default route: what another machine would connect to."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        address: str = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def test_no_data_plane_service_is_reachable_from_outside(greenroom_target: Any) -> None:
    if greenroom_target.kind != "replica":
        pytest.skip("a deployed environment's exposure is checked by its own cloud")
    outward = _outward_address()
    if outward is None:
        pytest.skip("this host has no address besides loopback")
    ports: dict[str, int] = {}
    for name, conn in greenroom_target.connections.items():
        for attr in ("url", "endpoint_url", "port"):
            value = getattr(conn, attr, None)
            if isinstance(value, int):
                ports[name] = value
            elif isinstance(value, str) and urlsplit(value).port:
                ports[name] = int(urlsplit(value).port or 0)
    assert set(DATA_PLANE) <= set(ports), ports
    reachable = {name for name, port in ports.items() if _answers(outward, port)}
    assert not reachable & set(DATA_PLANE)
    assert reachable == PUBLISHED[greenroom_target.env] & set(ports)
