"""A durable JetStream pull consumer applying each event once, in the same transaction as its
idempotency record; acked after commit, so a crash redelivers and the ledger skips the repeat.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import nats.errors
from psycopg import AsyncConnection

from rin.events import STREAM, message_id
from rin.metrics import EVENTS_APPLIED
from rin.web import Runtime

log = logging.getLogger(__name__)

Apply = Callable[[AsyncConnection[Any], dict[str, Any]], Awaitable[None]]


def consume(apply: Apply) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    """A background job draining the consumer `CONSUMER` of `NATS_STREAM` through ``apply``."""

    async def run(runtime: Runtime) -> None:
        assert runtime.pool is not None and runtime.js is not None
        stream = os.environ.get("NATS_STREAM", STREAM)
        durable = os.environ["CONSUMER"]
        sub = await runtime.js.pull_subscribe_bind(durable=durable, stream=stream)
        log.info("consuming %s on %s", durable, stream)
        while not runtime.stop.is_set():
            try:
                messages = await sub.fetch(batch=50, timeout=1)
            except nats.errors.TimeoutError:
                continue
            except Exception as exc:
                log.warning("fetch failed: %s: %s", type(exc).__name__, exc)
                await asyncio.sleep(1)
                continue
            for msg in messages:
                await _handle(runtime, durable, apply, msg)

    return run


async def _handle(runtime: Runtime, durable: str, apply: Apply, msg: Any) -> None:
    assert runtime.pool is not None
    meta = msg.metadata
    mid = message_id(msg.headers, meta.stream, meta.sequence.stream)
    try:
        event = json.loads(msg.data)
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise ValueError("not an event envelope")
    except ValueError as exc:
        log.error("dropping malformed event on %s: %s", msg.subject, exc)
        EVENTS_APPLIED.labels(durable, "malformed").inc()
        await msg.term()
        return
    try:
        async with runtime.pool.connection() as conn, conn.transaction():
            first = await conn.execute(
                "INSERT INTO processed_events (consumer, message_id) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                (durable, mid),
            )
            if first.rowcount:
                await apply(conn, event)
    except Exception as exc:
        log.warning("event %s failed, redelivered later: %s: %s", mid, type(exc).__name__, exc)
        EVENTS_APPLIED.labels(durable, "failed").inc()
        await msg.nak(delay=2)
        return
    await msg.ack()
    EVENTS_APPLIED.labels(durable, "applied" if first.rowcount else "duplicate").inc()
