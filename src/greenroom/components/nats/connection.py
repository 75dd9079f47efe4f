"""How suites and a team's tests reach NATS: a URL, its token, the streams the model declares."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import SecretStr

from greenroom.components.base import NotRefused

T = TypeVar("T")
TIMEOUT = 5.0


@dataclass(frozen=True)
class NatsConnection:
    """A NATS server's URL and token (a SecretStr); ``auth``: whether the token is required."""

    url: str
    token: SecretStr | None
    auth: bool
    streams: tuple[str, ...] = ()

    def run(self, use: Callable[[Any], Awaitable[T]], *, token: str | None = "") -> T:
        """Connect (with the token, another, or none when ``token`` is None), run ``use``, close."""

        async def run() -> T:
            from greenroom.components.nats.provision import connect

            mine = self.token.get_secret_value() if self.token else None
            async with connect(self.url, mine if token == "" else token, timeout=TIMEOUT) as nc:
                return await use(nc)

        return asyncio.run(run())


def reach(conn: NatsConnection) -> str:
    async def use(nc: Any) -> str:
        js = nc.jetstream(timeout=TIMEOUT)
        seen = [
            f"{name} at seq {(await js.stream_info(name)).state.last_seq}" for name in conn.streams
        ]
        return f"NATS {nc.connected_server_version}" + (
            f", streams {', '.join(seen)}" if seen else ""
        )

    return conn.run(use)


def refuse(conn: NatsConnection) -> str | None:
    if not conn.auth:
        return None

    async def use(nc: Any) -> str:
        return str(nc.connected_server_version)

    try:
        conn.run(use, token=None)
    except Exception:
        return "a client without the token is refused"
    raise NotRefused("NATS accepted a client without its token although auth is on")


def nats_url(conn: NatsConnection) -> str:
    """URL of the NATS server (its token, if any, is the ``nats_connection`` fixture's)."""
    return conn.url


def nats_connection(conn: NatsConnection) -> NatsConnection:
    """The NATS connection details: ``.run(async_fn)`` connects with the token and closes."""
    return conn
