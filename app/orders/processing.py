"""The worker's idempotent core: claim the message, write the receipt, announce, commit."""

from __future__ import annotations

import enum
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from orders.domain import OrderEvent, announcement, receipt_body, receipt_key


class Outcome(enum.StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"


class Claim(Protocol):
    """One message's claim, open inside a transaction until the claim context exits."""

    @property
    def fresh(self) -> bool:
        """False when this message id was already processed (a redelivery)."""
        ...

    async def complete(self) -> None:
        """Mark the order receipted in the same transaction as the claim."""
        ...


class Ledger(Protocol):
    def claim(self, message_id: str, order_id: str) -> AbstractAsyncContextManager[Claim]:
        """Commit on a clean exit; roll back (releasing the claim) when the body raises."""
        ...


class Sinks(Protocol):
    async def put_receipt(self, key: str, body: bytes) -> None: ...

    async def announce(self, message: str) -> None: ...


async def process(event: OrderEvent, message_id: str, ledger: Ledger, sinks: Sinks) -> Outcome:
    """Side effects happen at most once per message id; any failure leaves it to redelivery.

    The claim row is written first and held uncommitted while S3 and SNS are called, so a
    concurrent redelivery blocks on it and then sees a duplicate instead of repeating them.
    """
    async with ledger.claim(message_id, event.order_id) as claim:
        if not claim.fresh:
            return Outcome.DUPLICATE
        await sinks.put_receipt(receipt_key(event), receipt_body(event))
        await sinks.announce(announcement(event))
        await claim.complete()
    return Outcome.PROCESSED
