"""The transactional outbox: a row and its event in one transaction; a relay publishes the rest.

Several relays share the table: each claims rows with FOR UPDATE SKIP LOCKED and publishes every
row with its id as Nats-Msg-Id, so a row sent twice (a crash between publish and mark) is dropped
by JetStream's duplicate window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from rin.events import encode, envelope, subject_of
from rin.metrics import EVENTS_RELAYED

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes, str], Awaitable[object]]

CLAIM = (
    "SELECT id, subject, payload FROM outbox WHERE published_at IS NULL "
    "ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED"
)


async def write(
    pool: AsyncConnectionPool, sql: str, params: dict[str, Any], event_type: str
) -> dict[str, Any]:
    """Run ``sql`` and add the event announcing it to the outbox, atomically."""
    event = envelope(event_type, {k: str(v) for k, v in params.items()})
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(sql, params)
        await conn.execute(
            "INSERT INTO outbox (id, subject, payload) VALUES (%s, %s, %s)",
            (event["id"], subject_of(event_type), Jsonb(event)),
        )
    return event


async def relay_batch(pool: AsyncConnectionPool, publish: Publish, batch: int = 100) -> int:
    async with pool.connection() as conn, conn.transaction():
        rows = await (await conn.execute(CLAIM, (batch,))).fetchall()
        done = []
        try:
            for row_id, subject, payload in rows:
                await publish(subject, encode(payload), str(row_id))
                done.append(row_id)
        finally:
            if done:
                await conn.execute(
                    "UPDATE outbox SET published_at = now() WHERE id = ANY(%s)", (done,)
                )
    EVENTS_RELAYED.inc(len(done))
    return len(done)


async def run_relay(pool: AsyncConnectionPool, publish: Publish, stop: asyncio.Event) -> None:
    log.info("outbox relay started")
    while not stop.is_set():
        try:
            sent = await relay_batch(pool, publish)
        except Exception as exc:
            log.warning("relay batch failed: %s: %s", type(exc).__name__, exc)
            sent = 0
            await _sleep(stop, 1.0)
        if not sent:
            await _sleep(stop, 0.2)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
