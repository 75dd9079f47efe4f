"""A build context as the builder receives it: its files less what .dockerignore excludes.

Its digest is part of a build's cache key, so a file the builder never sees (ignored, or under
.git) never causes a rebuild, and every file it does see does.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

IGNORE_FILE = ".dockerignore"
ALWAYS_SKIPPED = ".git"


@dataclass(frozen=True)
class Rule:
    """One .dockerignore line: a path pattern, or with ``!`` an exception to earlier ones."""

    pattern: re.Pattern[str]
    exception: bool


class Ignore:
    """A .dockerignore's rules, applied as the Docker CLI applies them (the last match wins)."""

    def __init__(self, lines: list[str]) -> None:
        self.rules: list[Rule] = []
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            exception = line.startswith("!")
            pattern = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
            if pattern and pattern != ".":
                self.rules.append(Rule(compile_pattern(pattern), exception))

    @classmethod
    def read(cls, context: Path) -> Ignore:
        """The context's .dockerignore, or no rules when it has none."""
        path = context / IGNORE_FILE
        return cls(path.read_text().splitlines() if path.is_file() else [])

    @property
    def has_exceptions(self) -> bool:
        """Can a ``!`` rule bring back something under an excluded folder?"""
        return any(rule.exception for rule in self.rules)

    def excludes(self, rel: str) -> bool:
        """Is the context-relative path ``rel`` (``a/b.txt``) left out of what the builder gets?"""
        parts = rel.split("/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        excluded = False
        for rule in self.rules:
            if any(rule.pattern.match(c) for c in candidates):
                excluded = not rule.exception
        return excluded


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex: ``*`` within a folder, ``**`` across folders."""
    out = "^"
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                i += 1
            out += ".*" if i >= len(pattern) else "(.*/)?"
            continue
        if ch == "*":
            out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out += re.escape(ch)
            else:
                body = pattern[i + 1 : end]
                out += "[" + ("^" + body[1:] if body.startswith("^") else body) + "]"
                i = end
        else:
            out += re.escape(ch)
        i += 1
    return re.compile(out + "$")


def sent_files(context: Path) -> list[str]:
    """The context-relative paths the builder receives, sorted (.git never among them)."""
    ignore = Ignore.read(context)
    found: list[str] = []
    for folder, dirs, files in os.walk(context):
        base = Path(folder).relative_to(context).as_posix()
        prefix = "" if base == "." else base + "/"
        linked = [d for d in dirs if (Path(folder) / d).is_symlink()]
        dirs[:] = [
            d
            for d in dirs
            if d != ALWAYS_SKIPPED
            and d not in linked
            and (ignore.has_exceptions or not ignore.excludes(prefix + d))
        ]
        found += [prefix + n for n in [*files, *linked] if not ignore.excludes(prefix + n)]
    return sorted(found)


def context_digest(context: Path) -> str:
    """A digest of what the builder receives: paths, executable bits, bytes, symlink targets."""
    digest = hashlib.sha256()
    for rel in sent_files(context):
        path = context / rel
        digest.update(rel.encode() + b"\0")
        if path.is_symlink():
            digest.update(b"l" + os.readlink(path).encode())
        else:
            digest.update(b"x" if path.stat().st_mode & 0o111 else b"-")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        digest.update(b"\0")
    return digest.hexdigest()
