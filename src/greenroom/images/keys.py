"""Content keys: a build's inputs hash to a key kept as an image label; same inputs, no rebuild."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

KEY_LABEL = "greenroom.key"
SOURCE_LABEL = "greenroom.source"
_SKIP = {"__pycache__", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def content_key(**parts: object) -> str:
    """A stable hex digest of named inputs (str, bytes, numbers, lists, dicts), in any order."""
    digest = hashlib.sha256()
    for name in sorted(parts):
        digest.update(name.encode() + b"\0")
        digest.update(_encode(parts[name]) + b"\0")
    return digest.hexdigest()


def tree_digest(root: Path) -> str:
    """A digest of every file under ``root`` (relative paths, modes and bytes), caches ignored."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if _SKIP.intersection(rel.parts) or not path.is_file():
            continue
        digest.update(rel.as_posix().encode() + b"\0")
        digest.update(b"x" if path.stat().st_mode & 0o111 else b"-")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _encode(value: object) -> bytes:
    if isinstance(value, bytes):
        return b"b" + hashlib.sha256(value).digest()
    return json.dumps(value, sort_keys=True, default=str).encode()
