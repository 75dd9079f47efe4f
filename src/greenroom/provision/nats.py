"""JetStream streams and durable consumers, converged idempotently (add, or update when present)."""

from __future__ import annotations

import asyncio
from typing import Any

from greenroom.errors import ReplicaError
from greenroom.model.types import Nats, parse_duration
from greenroom.provision import Report


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
    import nats
    from nats.js.api import (
        AckPolicy,
        ConsumerConfig,
        DeliverPolicy,
        RetentionPolicy,
        StreamConfig,
    )
    from nats.js.errors import NotFoundError

    report = Report()
    nc = await nats.connect(
        url, token=token, connect_timeout=5, max_reconnect_attempts=1, error_cb=quiet
    )
    try:
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
    finally:
        await nc.close()
    return report


async def quiet(_: Exception) -> None:
    """nats-py prints every connection error with a traceback unless given a callback."""
