"""The queries a drill compares a database by: one checksum per table, the writer's rows."""

from __future__ import annotations

from collections.abc import Callable

TABLE = "greenroom_drill"
"""The drill writer's table: one row per acknowledged write, numbered from 1."""

Query = Callable[[str], str]
"""Runs one SQL statement returning a single value, as text."""

TABLES = (
    "SELECT coalesce(string_agg(format('%I.%I', schemaname, tablename), ',' ORDER BY 1), '') "
    "FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
)


def checksums(query: Query, exclude: str = TABLE) -> dict[str, str]:
    """Table -> md5 of its rows in a stable order (every user table but ``exclude``)."""
    names = [t for t in query(TABLES).split(",") if t and t.split(".")[-1] != exclude]
    return {
        name: query(
            f"SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) FROM {name} x"
        )
        for name in names
    }


def writer_rows(query: Query) -> tuple[int, int]:
    """How many rows the writer's table holds and the highest number among them."""
    count, _, last = query(f"SELECT count(*) || ',' || coalesce(max(n), 0) FROM {TABLE}").partition(
        ","
    )
    return int(count), int(last)
