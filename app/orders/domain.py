"""Pure order logic: request validation, the event on the wire, the receipt and its keys."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ORDER_CREATED = "order.created"
ORDER_RECEIPTED = "order.receipted"
PENDING = "pending"
RECEIPTED = "receipted"

MAX_QUANTITY = 10_000
MAX_TEXT = 128


class InvalidOrder(ValueError):
    """A request body that is not an order; ``problems`` maps each field to what is wrong."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = dict(problems)


class InvalidEvent(ValueError):
    """A bus message that is not an order event: retrying it can never succeed."""


@dataclass(frozen=True)
class NewOrder:
    sku: str
    quantity: int
    customer: str


@dataclass(frozen=True)
class OrderEvent:
    """What the relay publishes and the worker consumes; fields fixed at order creation."""

    order_id: str
    sku: str
    quantity: int
    customer: str
    created_at: str
    type: str = ORDER_CREATED

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "order_id": self.order_id,
            "sku": self.sku,
            "quantity": self.quantity,
            "customer": self.customer,
            "created_at": self.created_at,
        }


def _text(body: Mapping[str, Any], name: str, problems: dict[str, str]) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        problems[name] = "required, a non-empty string"
        return ""
    if len(value) > MAX_TEXT:
        problems[name] = f"at most {MAX_TEXT} characters"
    return value.strip()


def parse_new_order(body: object) -> NewOrder:
    """Validate a ``POST /orders`` body, reporting every bad field at once."""
    if not isinstance(body, dict):
        raise InvalidOrder({"body": "must be a JSON object with sku, quantity and customer"})
    problems: dict[str, str] = {}
    unknown = sorted(set(body) - {"sku", "quantity", "customer"})
    if unknown:
        problems["body"] = f"unknown fields: {', '.join(map(str, unknown))}"
    sku = _text(body, "sku", problems)
    customer = _text(body, "customer", problems)
    quantity = body.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        problems["quantity"] = "required, an integer"
        quantity = 0
    elif not 1 <= quantity <= MAX_QUANTITY:
        problems["quantity"] = f"between 1 and {MAX_QUANTITY}"
    if problems:
        raise InvalidOrder(problems)
    return NewOrder(sku=sku, quantity=quantity, customer=customer)


def parse_order_id(raw: str) -> str | None:
    """The canonical form of an order id, or None when it cannot be one (a 404, not a 500)."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Canonical bytes: the same event always yields the same message body."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def encode_event(event: OrderEvent) -> bytes:
    return canonical_json(event.as_dict())


def decode_event(data: bytes) -> OrderEvent:
    """Parse a bus message, refusing anything that is not a well-formed order event."""
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidEvent(f"not JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("type") != ORDER_CREATED:
        raise InvalidEvent("not an order.created event")
    order_id = parse_order_id(str(raw.get("order_id", "")))
    fields = (raw.get("sku"), raw.get("customer"), raw.get("created_at"))
    quantity = raw.get("quantity")
    if order_id is None or not all(isinstance(f, str) for f in fields):
        raise InvalidEvent("order event lacks order_id, sku, customer or created_at")
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidEvent("order event lacks an integer quantity")
    return OrderEvent(
        order_id=order_id,
        sku=str(raw["sku"]),
        quantity=quantity,
        customer=str(raw["customer"]),
        created_at=str(raw["created_at"]),
    )


def message_id(headers: Mapping[str, str] | None, stream: str, sequence: int) -> str:
    """The de-duplication key: the outbox row id the relay set, else the stream position."""
    if headers and headers.get("Nats-Msg-Id"):
        return headers["Nats-Msg-Id"]
    return f"{stream}:{sequence}"


def receipt_key(event: OrderEvent) -> str:
    return f"receipts/{event.order_id}.json"


def receipt_body(event: OrderEvent) -> bytes:
    """Deterministic bytes, so writing a receipt again on redelivery changes nothing."""
    receipt = {
        "order_id": event.order_id,
        "sku": event.sku,
        "quantity": event.quantity,
        "customer": event.customer,
        "ordered_at": event.created_at,
    }
    return json.dumps(receipt, sort_keys=True, indent=2).encode() + b"\n"


def announcement(event: OrderEvent) -> str:
    """The SNS message fanned out to subscribers once an order has its receipt."""
    body = {**event.as_dict(), "type": ORDER_RECEIPTED, "receipt_key": receipt_key(event)}
    return canonical_json(body).decode()
