"""Apply SQL migrations once each, in name order, safely from several processes at once."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg

from orders.config import PostgresSettings
from orders.db import connect_kwargs, conninfo, unreachable
from orders.errors import MigrationError

log = logging.getLogger(__name__)

# pg_advisory_lock key shared by every `orders migrate` process: "orders" as an int64.
LOCK_KEY = int.from_bytes(b"orders", "big")

SCHEMA_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def default_dir(env: Mapping[str, str] = os.environ) -> Path:
    """``MIGRATIONS_DIR``, else ``migrations/`` beside the ``orders`` package (as in the image)."""
    configured = env.get("MIGRATIONS_DIR", "").strip()
    return Path(configured) if configured else Path(__file__).resolve().parent.parent / "migrations"


def discover(directory: Path) -> list[Migration]:
    """Every ``NNNN_name.sql`` in ``directory``, sorted by name (the version)."""
    if not directory.is_dir():
        raise MigrationError(
            f"migrations directory {directory} does not exist",
            hint="set MIGRATIONS_DIR to the folder holding the .sql files",
        )
    found = [Migration(p.stem, p.read_text(encoding="utf-8")) for p in directory.glob("*.sql")]
    return sorted(found, key=lambda m: m.version)


def pending(available: list[Migration], applied: Mapping[str, str]) -> list[Migration]:
    """What still has to run; an applied migration whose text changed is refused."""
    changed = [m.version for m in available if applied.get(m.version, m.checksum) != m.checksum]
    if changed:
        raise MigrationError(
            f"applied migrations were edited afterwards: {', '.join(changed)}",
            hint="migrations are append-only: restore the original files and add a new one",
        )
    unknown = sorted(set(applied) - {m.version for m in available})
    if unknown:
        raise MigrationError(
            f"the database has migrations this image does not know: {', '.join(unknown)}",
            hint="run the migrate role of the newest image (an older one must not roll back)",
        )
    return [m for m in available if m.version not in applied]


def _connect(pg: PostgresSettings, timeout: float) -> psycopg.Connection[tuple[object, ...]]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return psycopg.connect(
                conninfo(pg, "orders-migrate"), autocommit=True, **connect_kwargs(pg)
            )
        except psycopg.OperationalError as exc:
            if time.monotonic() >= deadline:
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise unreachable(pg, timeout, reason) from None
            time.sleep(0.5)


def migrate(pg: PostgresSettings, directory: Path, *, timeout: float = 60.0) -> list[str]:
    """Apply what is pending under an advisory lock; returns the versions applied now."""
    available = discover(directory)
    with _connect(pg, timeout) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            conn.execute(SCHEMA_TABLE)
            rows = conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()
            todo = pending(available, {str(v): str(c) for v, c in rows})
            for migration in todo:
                log.info("applying migration", extra={"version": migration.version})
                with conn.transaction():
                    conn.execute(migration.sql.encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, checksum) VALUES (%s, %s)",
                        (migration.version, migration.checksum),
                    )
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    log.info("migrations up to date", extra={"applied": [m.version for m in todo]})
    return [m.version for m in todo]
