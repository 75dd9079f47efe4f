"""Migration planning: pending in order, edited or unknown applied migrations refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from orders.errors import MigrationError
from orders.migrate import Migration, default_dir, discover, pending

A = Migration("0001_orders", "CREATE TABLE a ();")
B = Migration("0002_more", "CREATE TABLE b ();")


def test_pending_keeps_order_and_skips_applied() -> None:
    assert pending([A, B], {}) == [A, B]
    assert pending([A, B], {A.version: A.checksum}) == [B]
    assert pending([A, B], {A.version: A.checksum, B.version: B.checksum}) == []


def test_edited_applied_migration_is_refused() -> None:
    with pytest.raises(MigrationError) as info:
        pending([A, B], {A.version: "0" * 64})
    assert "0001_orders" in str(info.value)
    assert info.value.hint and "append-only" in info.value.hint


def test_database_ahead_of_the_image_is_refused() -> None:
    with pytest.raises(MigrationError, match="0003_future"):
        pending([A], {A.version: A.checksum, "0003_future": "x"})


def test_discover_sorts_by_name(tmp_path: Path) -> None:
    (tmp_path / "0002_b.sql").write_text("SELECT 2;")
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "notes.txt").write_text("ignored")
    assert [m.version for m in discover(tmp_path)] == ["0001_a", "0002_b"]


def test_missing_directory_says_which_variable_to_set(tmp_path: Path) -> None:
    with pytest.raises(MigrationError) as info:
        discover(tmp_path / "absent")
    assert info.value.hint and "MIGRATIONS_DIR" in info.value.hint


def test_shipped_migrations_are_found() -> None:
    assert discover(default_dir({}))[0].version == "0001_orders"
