"""Clients for a Target's components, built one way for the suites and the pytest fixtures."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from greenroom.suites.target import AwsTargetSpec, NatsTarget, PostgresTarget, RedisTarget

T = TypeVar("T")
TIMEOUT = 5.0


def pg_connect(pg: PostgresTarget, *, password: str | None = None) -> Any:
    """An autocommit psycopg connection; ``password`` replaces the target's (to prove refusal)."""
    import psycopg

    return psycopg.connect(
        host=pg.host,
        port=pg.port,
        user=pg.user,
        dbname=pg.database,
        autocommit=True,
        password=pg.password.get_secret_value() if password is None else password,
        connect_timeout=int(TIMEOUT),
    )


def redis_client(rd: RedisTarget, *, password: str | None = None, anonymous: bool = False) -> Any:
    """A redis-py client with the target's password, another one, or none (``anonymous``)."""
    import redis

    secret = rd.password.get_secret_value() if rd.password else None
    return redis.Redis(
        host=rd.host,
        port=rd.port,
        db=rd.db,
        ssl=rd.tls,
        password=None if anonymous else (password if password is not None else secret),
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
    )


def aws_client(aws: AwsTargetSpec, service: str) -> Any:
    from greenroom.components.aws.provision import AwsTarget

    return AwsTarget(region=aws.region, endpoint_url=aws.endpoint_url).client(service)


def with_nats(nt: NatsTarget, use: Callable[[Any], Awaitable[T]], *, token: str | None = "") -> T:
    """Connect (with the target's token, another, or none when ``token`` is None), run, close."""

    async def run() -> T:
        from greenroom.components.nats.provision import connect

        chosen = (nt.token.get_secret_value() if nt.token else None) if token == "" else token
        async with connect(nt.url, chosen, timeout=TIMEOUT) as nc:
            return await use(nc)

    return asyncio.run(run())
