"""How suites and a team's tests reach Postgres: a connection, a reach check and a refusal."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from greenroom.components.base import NotRefused, Unreachable

TIMEOUT = 5


@dataclass(frozen=True)
class PostgresConnection:
    """Host, port, user, database and password (kept a SecretStr) of one Postgres."""

    host: str
    port: int
    user: str
    database: str
    password: SecretStr

    def connect(self, *, password: str | None = None, timeout: int = TIMEOUT, **kwargs: Any) -> Any:
        """An autocommit psycopg connection; ``password`` replaces the environment's."""
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname=self.database,
            autocommit=True,
            password=self.password.get_secret_value() if password is None else password,
            connect_timeout=timeout,
            **kwargs,
        )


def reach(conn: PostgresConnection) -> str:
    with conn.connect() as pg:
        row = pg.execute("SELECT current_user, current_setting('server_version')").fetchone()
    return f"PostgreSQL {row[1]} as {row[0]}"


def refuse(conn: PostgresConnection) -> str:
    import psycopg

    try:
        conn.connect(password=secrets.token_urlsafe(18)).close()
    except psycopg.OperationalError as exc:
        if exc.sqlstate == "28P01" or "password authentication failed" in str(exc):
            return "a wrong password is refused"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Unreachable(f"refused, but not for the password: {first}") from None
    raise NotRefused("Postgres accepted a wrong password (is pg_hba set to trust?)")


def pg_conn(conn: PostgresConnection) -> Iterator[Any]:
    """An autocommit psycopg connection as the app's user, closed after the test."""
    pg = conn.connect()
    try:
        yield pg
    finally:
        pg.close()
