"""Cache keys: the same inputs give the same key, any changed input gives another."""

from __future__ import annotations

from pathlib import Path

from greenroom.images.catalog import CATALOG
from greenroom.images.keys import content_key, tree_digest
from greenroom.images.local import base_key, expected_key


def test_content_key_is_stable_and_order_independent() -> None:
    a = content_key(mirror="http://m/debian", packages=["redis-server"], recipe=b"x")
    b = content_key(recipe=b"x", packages=["redis-server"], mirror="http://m/debian")
    assert a == b
    assert len(a) == 64


def test_content_key_changes_with_each_input() -> None:
    base = {"mirror": "http://m/debian", "packages": ["redis-server"], "recipe": b"x"}
    key = content_key(**base)
    assert content_key(**{**base, "mirror": "http://other/debian"}) != key
    assert content_key(**{**base, "packages": ["redis-server", "redis-tools"]}) != key
    assert content_key(**{**base, "recipe": b"y"}) != key


def test_tree_digest_sees_bytes_names_and_modes_but_not_caches(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM x\n")
    entry = tmp_path / "entry.sh"
    entry.write_text("#!/bin/sh\n")
    first = tree_digest(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "m.pyc").write_bytes(b"\0")
    assert tree_digest(tmp_path) == first
    entry.chmod(0o755)
    executable = tree_digest(tmp_path)
    assert executable != first
    (tmp_path / "Dockerfile").write_text("FROM y\n")
    assert tree_digest(tmp_path) != executable


def test_local_keys_follow_mirror_and_recipe() -> None:
    redis = CATALOG["redis"]
    key = expected_key(redis, "http://m/debian")
    assert key == expected_key(redis, "http://m/debian")
    assert key != expected_key(redis, "http://other/debian")
    assert key != expected_key(CATALOG["nats"], "http://m/debian")
    assert base_key("http://m/debian") != base_key("http://m/debian", suite="forky")
