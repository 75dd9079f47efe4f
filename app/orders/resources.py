"""Open the backing services a role needs, check them, and close them all on any exit."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
import nats
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError
from redis.asyncio import Redis

from orders.config import NatsSettings, Role, Settings, safe_url
from orders.db import open_pool
from orders.errors import ConfigError, DependencyError
from orders.health import Check
from orders.store import Pool

log = logging.getLogger(__name__)

T = TypeVar("T")


async def retry_until(
    deadline: float, attempt: Callable[[], Awaitable[T]], retry_on: tuple[type[BaseException], ...]
) -> T:
    """Retry ``attempt`` while it raises ``retry_on`` and the monotonic ``deadline`` is ahead."""
    while True:
        try:
            return await attempt()
        except retry_on:
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.5)


async def connect_nats(settings: NatsSettings, name: str, deadline: float) -> NatsClient:
    """Connect, retrying until ``deadline``; after that the client reconnects on its own."""

    async def on_error(exc: Exception) -> None:
        log.warning("nats error", extra={"error": type(exc).__name__})

    async def on_disconnect() -> None:
        log.info("nats disconnected")

    async def attempt() -> NatsClient:
        return await nats.connect(
            servers=[settings.url],
            name=name,
            token=settings.token.reveal() if settings.token else None,
            connect_timeout=2,
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            error_cb=on_error,
            disconnected_cb=on_disconnect,
        )

    try:
        return await retry_until(deadline, attempt, (OSError, nats.errors.Error, TimeoutError))
    except (OSError, nats.errors.Error, TimeoutError) as exc:
        raise DependencyError(
            f"NATS at {safe_url(settings.url)} is unreachable ({type(exc).__name__})",
            hint="check that NATS is up and NATS_URL is right",
        ) from None


async def ensure_stream(js: JetStreamContext, settings: NatsSettings) -> None:
    """The stream greenroom provisions; created here only when NATS_CREATE_STREAM=1."""
    try:
        await js.stream_info(settings.stream)
        return
    except NotFoundError:
        if not settings.create_missing:
            raise DependencyError(
                f"JetStream stream {settings.stream} does not exist",
                hint="provision it (greenroom does on `inv up`), or set NATS_CREATE_STREAM=1",
            ) from None
    log.info("creating stream", extra={"stream": settings.stream})
    await js.add_stream(name=settings.stream, subjects=[settings.subject])


async def ensure_consumer(js: JetStreamContext, settings: NatsSettings) -> None:
    """The worker's durable pull consumer; created here only when NATS_CREATE_STREAM=1."""
    try:
        info = await js.consumer_info(settings.stream, settings.durable)
    except NotFoundError:
        if not settings.create_missing:
            raise DependencyError(
                f"JetStream consumer {settings.durable} on stream {settings.stream} does not exist",
                hint="provision it (greenroom does on `inv up`), or set NATS_CREATE_STREAM=1",
            ) from None
        log.info("creating consumer", extra={"consumer": settings.durable})
        config = ConsumerConfig(
            durable_name=settings.durable,
            ack_policy=AckPolicy.EXPLICIT,
            filter_subject=settings.subject,
            ack_wait=30,
        )
        info = await js.add_consumer(settings.stream, config=config)
    if info.config.deliver_subject:
        raise DependencyError(
            f"JetStream consumer {settings.durable} is push-based; the worker pulls",
            hint="provision it as a pull consumer (no deliver_subject) with explicit acks",
        )


def resolve_topic(sns: Any, topic: str) -> str:
    """A topic ARN as given, or the ARN of the topic with that name."""
    if topic.startswith("arn:"):
        return topic
    for page in sns.get_paginator("list_topics").paginate():
        for entry in page.get("Topics", []):
            if str(entry["TopicArn"]).rsplit(":", 1)[-1] == topic:
                return str(entry["TopicArn"])
    raise DependencyError(
        f"SNS topic {topic} does not exist",
        hint="provision it (greenroom does on `inv up`) or set ORDER_EVENTS_TOPIC to its ARN",
    )


@dataclass
class Resources:
    """Connections one process holds; ``checks()`` is what its /healthz reports."""

    settings: Settings
    pool: Pool | None = None
    redis: Redis | None = None
    nc: NatsClient | None = None
    js: JetStreamContext | None = None
    s3: Any = None
    sns: Any = None
    topic_arn: str = ""
    extra_checks: dict[str, Check] = field(default_factory=dict)

    def checks(self) -> dict[str, Check]:
        checks: dict[str, Check] = {}
        if self.pool is not None:
            pool = self.pool

            async def postgres() -> None:
                async with pool.connection() as conn:
                    await conn.execute("SELECT 1")

            checks["postgres"] = postgres
        if self.redis is not None:
            checks["redis"] = self.redis.ping
        if self.nc is not None:
            nc = self.nc

            async def nats_check() -> None:
                if not nc.is_connected:
                    raise DependencyError("not connected")
                await nc.flush(timeout=2)

            checks["nats"] = nats_check
        if self.s3 is not None and self.settings.aws is not None:
            s3, bucket = self.s3, self.settings.aws.receipts_bucket

            async def s3_check() -> None:
                await asyncio.to_thread(s3.head_bucket, Bucket=bucket)

            checks["s3"] = s3_check
        return {**checks, **self.extra_checks}

    async def close(self) -> None:
        if self.nc is not None and not self.nc.is_closed:
            try:
                await self.nc.drain()
            except Exception as exc:
                log.warning("nats drain failed", extra={"error": type(exc).__name__})
        if self.redis is not None:
            await self.redis.aclose()
        if self.pool is not None:
            await self.pool.close()


def _aws_clients(settings: Settings) -> tuple[Any, Any]:
    region = settings.aws.region if settings.aws else None
    config = BotoConfig(connect_timeout=3, read_timeout=10, retries={"mode": "standard"})
    session = boto3.session.Session()
    try:
        return (
            session.client("s3", region_name=region, config=config),
            session.client("sns", region_name=region, config=config),
        )
    except NoRegionError:
        raise ConfigError(
            "no AWS region is configured", hint="set AWS_REGION (or AWS_DEFAULT_REGION)"
        ) from None


async def _open_aws(res: Resources, deadline: float) -> None:
    assert res.settings.aws is not None
    aws = res.settings.aws
    res.s3, res.sns = _aws_clients(res.settings)

    async def probe() -> str:
        await asyncio.to_thread(res.s3.head_bucket, Bucket=aws.receipts_bucket)
        return await asyncio.to_thread(resolve_topic, res.sns, aws.order_events_topic)

    try:
        res.topic_arn = await retry_until(deadline, probe, (BotoCoreError,))
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise DependencyError(
            f"S3 bucket {aws.receipts_bucket} is not usable ({code or 'ClientError'})",
            hint="provision the bucket (greenroom does on `inv up`) and check the AWS_* variables",
        ) from None
    except BotoCoreError as exc:
        raise DependencyError(
            f"AWS endpoint unreachable ({type(exc).__name__})",
            hint="check AWS_ENDPOINT_URL and AWS_REGION, and that the emulator is up",
        ) from None


@asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[Resources]:
    """Everything ``settings.role`` needs, waiting up to STARTUP_TIMEOUT for each to answer."""
    deadline = time.monotonic() + settings.startup_timeout
    name = f"orders-{settings.role}"
    res = Resources(settings)
    try:
        res.pool = await open_pool(settings.postgres, name, timeout=settings.startup_timeout)
        if settings.redis is not None:
            res.redis = Redis.from_url(
                settings.redis.url,
                password=settings.redis.password.reveal() if settings.redis.password else None,
                socket_timeout=3,
                socket_connect_timeout=3,
                health_check_interval=30,
            )
        if settings.nats is not None:
            res.nc = await connect_nats(settings.nats, name, deadline)
            res.js = res.nc.jetstream()
            if settings.role in (Role.RELAY, Role.WORKER):
                await ensure_stream(res.js, settings.nats)
            if settings.role is Role.WORKER:
                await ensure_consumer(res.js, settings.nats)
        if settings.aws is not None:
            await _open_aws(res, deadline)
        yield res
    finally:
        await res.close()
