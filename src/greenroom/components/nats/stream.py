"""Read what a JetStream stream holds, from a sequence or a time, without disturbing its consumers.

An ephemeral consumer with no acknowledgements reads up to the stream's last sequence as it was
when the read began; the app's durable consumers never see it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from greenroom.components.base import Capture, Published
from greenroom.components.nats.connection import NatsConnection

BATCH = 256
FETCH_TIMEOUT = 2.0


@dataclass(frozen=True)
class StoredMessage:
    """One message as the stream stored it."""

    stream: str
    seq: int
    subject: str
    data: bytes
    time: str
    """When the stream stored it, ISO 8601 in UTC."""
    headers: Mapping[str, str] = field(default_factory=dict)


async def last_sequence(nc: Any, stream: str) -> int:
    """The stream's last sequence now (0 when empty)."""
    info = await nc.jetstream(timeout=10).stream_info(stream)
    return int(info.state.last_seq)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value or "")


async def read(
    nc: Any,
    stream: str,
    *,
    after: int = 0,
    since: datetime | None = None,
    subject: str | None = None,
    limit: int | None = None,
) -> list[StoredMessage]:
    """Messages of ``stream`` after sequence ``after`` (or stored since ``since``), in order.

    ``subject`` filters (wildcards allowed); ``limit`` caps how many are read.
    """
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    js = nc.jetstream(timeout=10)
    last = await last_sequence(nc, stream)
    if last <= after:
        return []
    config = ConsumerConfig(ack_policy=AckPolicy.NONE, inactive_threshold=30.0, mem_storage=True)
    if since is not None:
        config.deliver_policy = DeliverPolicy.BY_START_TIME
        config.opt_start_time = since.astimezone(UTC)
    elif after:
        config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
        config.opt_start_seq = after + 1
    if subject:
        config.filter_subject = subject
    name = nc._nuid.next().decode()
    config.name = name
    await js.add_consumer(stream, config)
    sub = await js.pull_subscribe_bind(consumer=name, stream=stream)
    found: list[StoredMessage] = []
    try:
        while limit is None or len(found) < limit:
            try:
                batch = await sub.fetch(
                    min(BATCH, limit - len(found)) if limit else BATCH, timeout=FETCH_TIMEOUT
                )
            except TimeoutError:
                break
            done = False
            for msg in batch:
                meta = msg.metadata
                if meta.sequence.stream > last:
                    done = True
                    break
                found.append(
                    StoredMessage(
                        stream=stream,
                        seq=meta.sequence.stream,
                        subject=msg.subject,
                        data=bytes(msg.data),
                        time=_iso(meta.timestamp),
                        headers=dict(msg.headers or {}),
                    )
                )
                done = meta.sequence.stream >= last or meta.num_pending == 0
            if done:
                break
    finally:
        await sub.unsubscribe()
        await js.delete_consumer(stream, name)
    return found


@contextmanager
def capture(conn: NatsConnection, streams: Sequence[str]) -> Iterator[Capture]:
    """Note where each stream ends now; the function yielded reads what was stored since."""

    async def marks(nc: Any) -> dict[str, int]:
        return {name: await last_sequence(nc, name) for name in streams}

    start = conn.run(marks)

    def since_start() -> list[Published]:
        async def use(nc: Any) -> list[Published]:
            return [
                Published(m.subject, m.data, f"stream {name} seq {m.seq}")
                for name in streams
                for m in await read(nc, name, after=start[name])
            ]

        return conn.run(use)

    yield since_start


async def deliveries(nc: Any, stream: str, subjects: Sequence[str]) -> int:
    """How many deliveries messages on ``subjects`` owe the stream's durable consumers: each
    consumer gets those its filter matches, so two consumers of one message owe two."""
    from greenroom.components.nats import subject_covers

    infos = await nc.jetstream(timeout=10).consumers_info(stream)
    owed = 0
    for info in infos:
        if not info.config.durable_name:
            continue
        filters = [
            f for f in (info.config.filter_subject, *(info.config.filter_subjects or [])) if f
        ]
        owed += sum(
            1 for s in subjects if not filters or any(subject_covers(f, s) for f in filters)
        )
    return owed


async def backlog(nc: Any, stream: str) -> int:
    """Messages the stream's durable consumers have not yet had acknowledged."""
    infos = await nc.jetstream(timeout=10).consumers_info(stream)
    return sum(
        int(i.num_pending or 0) + int(i.num_ack_pending or 0)
        for i in infos
        if i.config.durable_name
    )


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp() if stamp else 0.0


async def publish(
    nc: Any, messages: Sequence[StoredMessage], *, speed: float = 0, window: int = 512
) -> int:
    """Publish each message with its subject and headers (its ``Nats-Msg-Id`` too), acknowledged
    by JetStream; at once, or at the recorded pace ``speed`` times as fast. Returns how many the
    stream stored (a repeat inside its duplicate window is not)."""
    js = nc.jetstream(timeout=10)
    stored = 0
    pending: list[Any] = []
    before: float | None = None
    for message in messages:
        at = _seconds(message.time)
        if speed and before is not None and at > before:
            await asyncio.sleep((at - before) / speed)
        before = at
        headers = dict(message.headers) or None
        pending.append(await js.publish_async(message.subject, message.data, headers=headers))
        if len(pending) >= window:
            stored += sum(not ack.duplicate for ack in await asyncio.gather(*pending))
            pending.clear()
    stored += sum(not ack.duplicate for ack in await asyncio.gather(*pending))
    return stored
