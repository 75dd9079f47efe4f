"""Make every service publish its event once, so `greenroom test contract` holds what reaches the
EVENTS stream to the schemas in contracts/events/."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from typing import Any

import pytest


def call(method: str, url: str, body: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 201
        return dict(json.loads(answer.read()))


def test_each_service_publishes_its_event(api_url: str, pg_conn: Any) -> None:
    marker = uuid.uuid4().hex[:10]
    owner = call("POST", f"{api_url}/v1/owners", {"handle": marker, "display_name": "contract"})
    oid = owner["owner_id"]
    events = [
        owner["event_id"],
        call("POST", f"{api_url}/v1/contacts", {"owner_id": oid, "name": "c", "circle": "x"})[
            "event_id"
        ],
        call("PUT", f"{api_url}/v1/profiles/{oid}", {"headline": "h", "bio": ""})["event_id"],
        call("POST", f"{api_url}/v1/disputes", {"owner_id": oid, "reason": "r"})["event_id"],
    ]
    end = time.monotonic() + 20
    while time.monotonic() < end:
        waiting = pg_conn.execute(
            "SELECT count(*) FROM outbox WHERE id = ANY(%s) AND published_at IS NULL", (events,)
        ).fetchone()[0]
        if not waiting:
            return
        time.sleep(0.25)
    pytest.fail(f"{waiting} of the 4 events still unpublished in the outbox after 20 s")
