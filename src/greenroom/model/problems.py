"""Validation problems that point at file:line:column, and the error that carries all of them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from greenroom.errors import ConfigError

KeyPath = tuple[str | int, ...]
"""Where a value sits in the layered document: ('components', 'aws', 'queues', 0, 'name')."""


@dataclass(frozen=True, order=True)
class Pos:
    """A place in a source: a file, an environment variable or a --set flag (1-based)."""

    source: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong, where it is, and (in the message) what to do about it."""

    pos: Pos
    path: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.pos}: {self.path}: {self.message}"
            if self.path
            else f"{self.pos}: {self.message}"
        )


DEFAULT_HINT = "fix each problem at the file:line:column shown; envs/README.md documents the format"


class ModelError(ConfigError):
    """An invalid environment model: every problem found, one per line, in a stable order."""

    def __init__(self, problems: Iterable[Problem], *, hint: str | None = None) -> None:
        self.problems: list[Problem] = sorted(set(problems))
        super().__init__("\n".join(map(str, self.problems)), hint=hint or DEFAULT_HINT)


def format_path(path: KeyPath) -> str:
    """('components', 'aws', 'queues', 0, 'name') -> 'components.aws.queues[0].name'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def suggest(word: str, choices: Iterable[str]) -> str:
    """'; did you mean 'x'?' for a close match, else ''."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


LISTED = 12


def listing(names: Sequence[str] | Iterable[str]) -> str:
    """A sorted, comma-separated list for messages (the first dozen), or '(none)'."""
    items = sorted(set(names))
    if len(items) > LISTED:
        return ", ".join(items[:LISTED]) + f", ... ({len(items)} in all)"
    return ", ".join(items) if items else "(none)"
