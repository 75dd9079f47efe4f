"""The worker's idempotency: a redelivered message changes nothing; a failure is retried."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from orders.domain import OrderEvent, receipt_body, receipt_key
from orders.processing import Outcome, process

EVENT = OrderEvent(
    order_id="7d3c1f5e-7a4e-4a8e-9c59-7b9a0e0c2d11",
    sku="SKU-1",
    quantity=2,
    customer="ada",
    created_at="2024-05-01T12:00:00+00:00",
)


@dataclass
class MemoryClaim:
    fresh: bool
    staged: list[str] = field(default_factory=list)

    async def complete(self) -> None:
        self.staged.append("receipted")


@dataclass
class MemoryLedger:
    """Commits the claim and status only when the body exits cleanly, like a transaction."""

    processed: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)

    @asynccontextmanager
    async def claim(self, message_id: str, order_id: str) -> AsyncIterator[MemoryClaim]:
        claim = MemoryClaim(fresh=message_id not in self.processed)
        yield claim
        if claim.fresh:
            self.processed[message_id] = order_id
            for status in claim.staged:
                self.statuses[order_id] = status


@dataclass
class RecordingSinks:
    receipts: list[tuple[str, bytes]] = field(default_factory=list)
    announcements: list[str] = field(default_factory=list)
    fail_announce: bool = False

    async def put_receipt(self, key: str, body: bytes) -> None:
        self.receipts.append((key, body))

    async def announce(self, message: str) -> None:
        if self.fail_announce:
            raise ConnectionError("sns down")
        self.announcements.append(message)


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_first_delivery_writes_receipt_announces_and_marks_receipted() -> None:
    ledger, sinks = MemoryLedger(), RecordingSinks()
    assert run(process(EVENT, "m1", ledger, sinks)) is Outcome.PROCESSED
    assert sinks.receipts == [(receipt_key(EVENT), receipt_body(EVENT))]
    assert len(sinks.announcements) == 1
    assert ledger.statuses[EVENT.order_id] == "receipted"


def test_redelivery_is_a_duplicate_with_no_side_effects() -> None:
    ledger, sinks = MemoryLedger(), RecordingSinks()
    run(process(EVENT, "m1", ledger, sinks))
    assert run(process(EVENT, "m1", ledger, sinks)) is Outcome.DUPLICATE
    assert len(sinks.receipts) == 1
    assert len(sinks.announcements) == 1


def test_failed_side_effect_releases_the_claim_for_a_retry() -> None:
    ledger, sinks = MemoryLedger(), RecordingSinks(fail_announce=True)
    with pytest.raises(ConnectionError):
        run(process(EVENT, "m1", ledger, sinks))
    assert ledger.processed == {}
    assert EVENT.order_id not in ledger.statuses
    sinks.fail_announce = False
    assert run(process(EVENT, "m1", ledger, sinks)) is Outcome.PROCESSED
    # The retry rewrote the same receipt bytes: harmless.
    assert sinks.receipts[0] == sinks.receipts[1]
    assert len(sinks.announcements) == 1
