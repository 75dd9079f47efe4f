"""Order validation, the event's wire form, receipts and the de-duplication key."""

from __future__ import annotations

import json

import pytest
from orders.domain import (
    InvalidEvent,
    InvalidOrder,
    OrderEvent,
    announcement,
    decode_event,
    encode_event,
    message_id,
    parse_new_order,
    parse_order_id,
    receipt_body,
    receipt_key,
)

EVENT = OrderEvent(
    order_id="7d3c1f5e-7a4e-4a8e-9c59-7b9a0e0c2d11",
    sku="SKU-1",
    quantity=2,
    customer="ada",
    created_at="2024-05-01T12:00:00+00:00",
)


def test_valid_order_is_parsed() -> None:
    order = parse_new_order({"sku": " SKU-1 ", "quantity": 3, "customer": "ada"})
    assert (order.sku, order.quantity, order.customer) == ("SKU-1", 3, "ada")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 1, "customer": "a"}, "sku"),
        ({"sku": "s", "quantity": "1", "customer": "a"}, "quantity"),
        ({"sku": "s", "quantity": True, "customer": "a"}, "quantity"),
        ({"sku": "s", "quantity": 0, "customer": "a"}, "quantity"),
        ({"sku": "s", "quantity": 1, "customer": "  "}, "customer"),
        ({"sku": "s", "quantity": 1, "customer": "a", "price": 3}, "body"),
        (["sku"], "body"),
    ],
)
def test_invalid_orders_name_the_field(body: object, field: str) -> None:
    with pytest.raises(InvalidOrder) as info:
        parse_new_order(body)
    assert field in info.value.problems


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(InvalidOrder) as info:
        parse_new_order({})
    assert set(info.value.problems) == {"sku", "quantity", "customer"}


def test_order_id_parsing() -> None:
    assert parse_order_id(EVENT.order_id.upper()) == EVENT.order_id
    assert parse_order_id("not-a-uuid") is None


def test_event_round_trips_and_encoding_is_canonical() -> None:
    data = encode_event(EVENT)
    assert decode_event(data) == EVENT
    assert data == encode_event(decode_event(data))
    assert json.loads(data)["type"] == "order.created"


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"type": "order.shipped"}',
        json.dumps({**EVENT.as_dict(), "order_id": "x"}).encode(),
        json.dumps({**EVENT.as_dict(), "quantity": "2"}).encode(),
    ],
)
def test_malformed_events_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidEvent):
        decode_event(data)


def test_message_id_prefers_the_relay_header() -> None:
    assert message_id({"Nats-Msg-Id": "row-1"}, "ORDERS", 9) == "row-1"
    assert message_id(None, "ORDERS", 9) == "ORDERS:9"
    assert message_id({}, "ORDERS", 9) == "ORDERS:9"


def test_receipt_is_byte_identical_for_the_same_event() -> None:
    again = decode_event(encode_event(EVENT))
    assert receipt_body(EVENT) == receipt_body(again)
    assert receipt_key(EVENT) == f"receipts/{EVENT.order_id}.json"
    assert json.loads(receipt_body(EVENT))["order_id"] == EVENT.order_id


def test_announcement_names_the_receipt() -> None:
    body = json.loads(announcement(EVENT))
    assert body["type"] == "order.receipted"
    assert body["receipt_key"] == receipt_key(EVENT)
