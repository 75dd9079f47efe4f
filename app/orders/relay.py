"""Drain the outbox to JetStream; row locks with SKIP LOCKED let several relays share it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from orders.domain import canonical_json
from orders.metrics import EVENTS_FAILED, EVENTS_RELAYED
from orders.store import Pool

log = logging.getLogger(__name__)

Publish = Callable[[bytes, str], Awaitable[object]]

CLAIM_BATCH = (
    "SELECT id, payload FROM outbox WHERE published_at IS NULL "
    "ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED"
)


async def relay_batch(pool: Pool, publish: Publish, *, batch: int = 100) -> int:
    """Publish up to ``batch`` rows, each with its row id as the message id; returns the count.

    Rows published before a failure are still marked, so only the failed row and those after
    it are sent again (and JetStream drops a repeat it has already seen within its window).
    """
    failure: BaseException | None = None
    async with pool.connection() as conn, conn.transaction():
        rows = await (await conn.execute(CLAIM_BATCH, (batch,))).fetchall()
        done = []
        for row in rows:
            try:
                await publish(canonical_json(row["payload"]), str(row["id"]))
            except Exception as exc:
                failure = exc
                break
            done.append(row["id"])
        if done:
            await conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY(%s)", (done,))
    EVENTS_RELAYED.inc(len(done))
    if failure is not None:
        raise failure
    return len(done)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, waking at once when ``stop`` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def run_relay(
    pool: Pool, publish: Publish, stop: asyncio.Event, *, batch: int = 100, idle: float = 0.2
) -> None:
    """Poll until ``stop``; a batch in flight when it is set still completes."""
    log.info("relay started")
    while not stop.is_set():
        try:
            sent = await relay_batch(pool, publish, batch=batch)
        except Exception as exc:
            EVENTS_FAILED.labels("relay").inc()
            log.warning("relay batch failed", extra={"error": f"{type(exc).__name__}: {exc}"})
            await sleep_or_stop(stop, 1.0)
            continue
        if sent < batch:
            await sleep_or_stop(stop, idle)
    log.info("relay stopped")
