"""The rows of the tables a replay compares, and emptying them for a fresh start."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from greenroom.components.base import Observed
from greenroom.components.postgres.connection import PostgresConnection


def _name(table: str) -> Any:
    from psycopg import sql

    return sql.Identifier(*table.split("."))


def observe(conn: PostgresConnection, tables: Mapping[str, Sequence[str]]) -> dict[str, Observed]:
    """Each table's rows as sorted lines, without the columns left out."""
    from psycopg import sql

    found = {}
    with conn.connect() as pg:
        for table, left_out in sorted(tables.items()):
            cur = pg.execute(sql.SQL("SELECT * FROM {}").format(_name(table)))
            names = [column.name for column in cur.description or ()]
            kept = [i for i, name in enumerate(names) if name not in left_out]
            rows = (json.dumps({names[i]: str(row[i]) for i in kept}) for row in cur.fetchall())
            found[f"table {table}"] = Observed(tuple(sorted(rows)))
    return found


def reset(conn: PostgresConnection, tables: Sequence[str]) -> None:
    """TRUNCATE the tables (only those: a table referencing one of them stops it)."""
    from psycopg import sql

    if not tables:
        return
    with conn.connect() as pg:
        pg.execute(
            sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(_name(t) for t in sorted(tables)))
        )
