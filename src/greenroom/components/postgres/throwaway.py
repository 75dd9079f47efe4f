"""A fresh, empty Postgres for one test module, from the local greenroom image."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from greenroom.components.throwaway import local_image


@dataclass(frozen=True)
class ThrowawayPostgres:
    """Where the throwaway Postgres listens; gone when the module's tests end."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    dbname: str = "test"

    def connect(self, **kwargs: Any) -> Any:
        """A psycopg connection (keyword arguments go to ``psycopg.connect``)."""
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.dbname,
            connect_timeout=5,
            **kwargs,
        )


def wait_for(info: ThrowawayPostgres, timeout: float = 60.0) -> None:
    """Ready means a real login and query, from the host; the image's own init restarts once."""
    import psycopg

    end = time.monotonic() + timeout
    while True:
        try:
            with info.connect() as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > end:
                raise TimeoutError(f"throwaway Postgres not ready in {timeout:g} s: {exc}") from exc
            time.sleep(0.3)


def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A single Postgres container from the local greenroom image, removed after the module."""
    from testcontainers.community.postgres import PostgresContainer

    image = local_image("postgres")

    class _Postgres(PostgresContainer):
        def _connect(self) -> None:
            wait_for(self.info())

        def info(self) -> ThrowawayPostgres:
            return ThrowawayPostgres(
                host=self.get_container_host_ip(),
                port=int(self.get_exposed_port(self.port)),
                user=self.username,
                password=self.password,
                dbname=self.dbname,
            )

    container = _Postgres(
        image, username="test", password=secrets.token_urlsafe(16), dbname="test", driver=None
    )
    with container:
        yield container.info()
