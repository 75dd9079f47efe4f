"""Apply the SQL files of MIGRATIONS_DIR in order, each once, recorded in schema_migrations."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import psycopg

from rin.config import load_postgres_password

log = logging.getLogger(__name__)


def migrate() -> None:
    load_postgres_password()
    folder = Path(os.environ.get("MIGRATIONS_DIR", "/srv/migrations"))
    conn = _connect()
    with conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute("SELECT pg_advisory_xact_lock(4004)")
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        for path in sorted(folder.glob("*.sql")):
            if path.name in done:
                continue
            conn.execute(path.read_text().encode())
            conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (path.name,))
            log.info("applied %s", path.name)


def _connect(deadline: float = 60) -> psycopg.Connection[tuple[object, ...]]:
    end = time.monotonic() + deadline
    while True:
        try:
            return psycopg.connect("")
        except psycopg.OperationalError:
            if time.monotonic() > end:
                raise
            time.sleep(1)
