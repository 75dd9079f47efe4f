"""Rin's domain events: one envelope on `events.<aggregate>.<verb>`, written through the outbox."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

STREAM = "EVENTS"


def envelope(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": data,
    }


def subject_of(event_type: str) -> str:
    return f"events.{event_type}"


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def message_id(headers: dict[str, str] | None, stream: str, sequence: int) -> str:
    """The publisher's Nats-Msg-Id (the outbox row id), else the stream position."""
    if headers and headers.get("Nats-Msg-Id"):
        return headers["Nats-Msg-Id"]
    return f"{stream}:{sequence}"
