"""The SNS topic may be given by name; it is resolved to its ARN or refused with a hint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from orders.errors import DependencyError
from orders.resources import resolve_topic

ARN = "arn:aws:sns:us-east-1:123456789012:order-events"


class FakeSns:
    """Two pages of list_topics, as the paginator yields them."""

    def get_paginator(self, name: str) -> Any:
        assert name == "list_topics"
        return self

    def paginate(self) -> Iterator[dict[str, Any]]:
        yield {"Topics": [{"TopicArn": "arn:aws:sns:us-east-1:123456789012:order-events-dlq"}]}
        yield {"Topics": [{"TopicArn": ARN}]}


def test_arn_is_taken_as_given() -> None:
    assert resolve_topic(None, ARN) == ARN


def test_name_is_resolved_across_pages_by_exact_name() -> None:
    assert resolve_topic(FakeSns(), "order-events") == ARN


def test_unknown_name_is_refused_with_a_hint() -> None:
    with pytest.raises(DependencyError) as info:
        resolve_topic(FakeSns(), "orders")
    assert "orders" in info.value.message
    assert info.value.hint and "ORDER_EVENTS_TOPIC" in info.value.hint
