"""Postgres connections built from settings, the password passed apart from the conninfo."""

from __future__ import annotations

import logging
from typing import Any

from psycopg import AsyncConnection
from psycopg.conninfo import make_conninfo
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from orders.config import PostgresSettings
from orders.errors import DependencyError

log = logging.getLogger(__name__)


def conninfo(pg: PostgresSettings, application_name: str) -> str:
    """A conninfo without the password, safe to show in an error message."""
    return make_conninfo(
        host=pg.host,
        port=pg.port,
        user=pg.user,
        dbname=pg.database,
        application_name=application_name,
        connect_timeout=5,
    )


def connect_kwargs(pg: PostgresSettings) -> dict[str, Any]:
    """The password travels as a keyword, never inside a string that might be logged."""
    return {"password": pg.password.reveal()} if pg.password else {}


async def open_pool(
    pg: PostgresSettings, application_name: str, *, timeout: float, max_size: int = 10
) -> AsyncConnectionPool[AsyncConnection[DictRow]]:
    """Open a pool, waiting up to ``timeout`` for Postgres to accept the first connection."""
    pool: AsyncConnectionPool[AsyncConnection[DictRow]] = AsyncConnectionPool(
        conninfo(pg, application_name),
        kwargs={**connect_kwargs(pg), "row_factory": dict_row, "autocommit": True},
        connection_class=AsyncConnection[DictRow],
        min_size=1,
        max_size=max_size,
        open=False,
        check=AsyncConnectionPool.check_connection,
        name=application_name,
    )
    try:
        await pool.open(wait=True, timeout=timeout)
    except PoolTimeout:
        await pool.close()
        raise unreachable(pg, timeout) from None
    return pool


def unreachable(pg: PostgresSettings, timeout: float, reason: str = "") -> DependencyError:
    """The one message for "Postgres did not let us in", whichever role tried."""
    because = f": {reason}" if reason else ""
    return DependencyError(
        f"Postgres at {pg.host}:{pg.port} (database {pg.database}, user {pg.user}) "
        f"did not accept a connection within {timeout:.0f}s{because}",
        hint="check that Postgres is up and PGHOST/PGPORT/PGUSER/PGDATABASE and the "
        "password (PGPASSWORD_FILE or PGPASSWORD) are right",
    )
