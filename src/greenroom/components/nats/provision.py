"""JetStream streams and durable consumers, converged idempotently (add, or update when present)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from greenroom.components.nats.spec import Nats
from greenroom.components.report import Report
from greenroom.errors import ReplicaError
from greenroom.model.types import parse_duration


def provision_nats(spec: Nats, url: str, token: str | None = None) -> Report:
    """Create or update every declared stream and consumer on the server at ``url``."""
    try:
        return asyncio.run(_provision(spec, url, token))
    except ReplicaError:
        raise
    except Exception as exc:
        raise ReplicaError(
            f"provisioning NATS JetStream failed: {type(exc).__name__}: {exc}",
            hint="check that the server runs JetStream (-js): `inv logs <env> --service nats`",
        ) from exc


async def _provision(spec: Nats, url: str, token: str | None) -> Report:
    from nats.js.api import (
        AckPolicy,
        ConsumerConfig,
        DeliverPolicy,
        RetentionPolicy,
        StreamConfig,
    )
    from nats.js.errors import NotFoundError

    report = Report()
    async with connect(url, token, timeout=5) as nc:
        js = nc.jetstream(timeout=10)
        for stream in spec.streams:
            config = StreamConfig(
                name=stream.name,
                subjects=list(stream.subjects),
                retention=RetentionPolicy(stream.retention),
                max_age=float(parse_duration(stream.max_age)) if stream.max_age else None,
                num_replicas=stream.replicas,
                duplicate_window=float(parse_duration(stream.duplicate_window)),
            )
            try:
                await js.stream_info(stream.name)
                await js.update_stream(config)
            except NotFoundError:
                await js.add_stream(config)
            report.add(f"jetstream stream {stream.name}")
            for consumer in stream.consumers:
                consumer_config: Any = ConsumerConfig(
                    durable_name=consumer.name,
                    filter_subject=consumer.filter_subject,
                    ack_policy=AckPolicy.EXPLICIT,
                    ack_wait=float(parse_duration(consumer.ack_wait)),
                    max_deliver=consumer.max_deliver,
                    deliver_policy=DeliverPolicy(consumer.deliver_policy),
                )
                await js.add_consumer(stream.name, consumer_config)
                report.add(f"jetstream consumer {stream.name}/{consumer.name}")
    return report


@asynccontextmanager
async def connect(url: str, token: str | None, *, timeout: float = 3) -> AsyncIterator[Any]:
    """A NATS connection that gives up on a dead server and always closes its socket.

    nats-py retries a dead server forever at ``max_reconnect_attempts=0``, prints each failure
    with a traceback unless given an error callback, and leaks the socket of a failed connect
    unless the client is closed: all three are handled here.
    """
    from nats.aio.client import Client

    nc = Client()
    try:
        await nc.connect(
            url,
            token=token,
            connect_timeout=max(1, int(timeout)),
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0,
            error_cb=_quiet,
        )
        yield nc
    finally:
        await nc.close()


async def _quiet(_: Exception) -> None:
    """The caller reports a failed connection; nats-py would print a traceback besides."""
