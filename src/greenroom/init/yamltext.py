"""Block YAML with comments, for env files a person reads and edits after `greenroom init`.

PyYAML cannot write comments, so mappings and lists are laid out here and only scalars go through
PyYAML (which knows when `"8000"`, `yes` or `"*"` need quotes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

INDENT = "  "
FLOW_WIDTH = 80


class Flow(dict[str, Any]):
    """A small mapping written on one line: `{generate: true}`, `{secret: db-password}`."""


@dataclass(frozen=True)
class Commented:
    """A value with comment lines written above its key (``above``) or after it (``after``)."""

    value: Any
    above: Sequence[str] = field(default_factory=tuple)
    after: str = ""


def scalar(value: Any) -> str:
    """One scalar as YAML reads it back unchanged: `'8000'`, `app`, `true`, `"a: b"`."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _flow(value: Any) -> str | None:
    """A short list of scalars or a small mapping of scalars on one line, else None."""
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        if any(isinstance(v, Mapping | list | tuple | Commented) for v in value.values()):
            return None
        text = "{" + ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, list | tuple):
        if not value:
            return "[]"
        if any(isinstance(v, Mapping | list | tuple | Commented) for v in value):
            return None
        text = "[" + ", ".join(scalar(v) for v in value) + "]"
    else:
        return scalar(value)
    return text if len(text) <= FLOW_WIDTH else None


def _comment_lines(lines: Sequence[str], depth: int) -> list[str]:
    return [f"{INDENT * depth}# {line}".rstrip() for line in lines]


def _entry(head: str, value: Any, depth: int) -> list[str]:
    """``head`` is `key:` or `-`; the value goes on the same line when it fits there."""
    above: Sequence[str] = ()
    after = ""
    if isinstance(value, Commented):
        above, after, value = value.above, value.after, value.value
    lines = _comment_lines(above, depth)
    tail = f"  # {after}" if after else ""
    pad = INDENT * depth
    block = isinstance(value, Mapping) and not isinstance(value, Flow) and bool(value)
    inline = None if block else _flow(value)
    if inline is not None:
        return [*lines, f"{pad}{head} {inline}{tail}"]
    if head == "-" and isinstance(value, Mapping):
        body = _mapping(value, depth + 1)
        first = body[0].lstrip()
        return [*lines, f"{pad}- {first}{tail}", *body[1:]]
    body = _mapping(value, depth + 1) if isinstance(value, Mapping) else []
    if isinstance(value, list | tuple):
        body = [line for item in value for line in _entry("-", item, depth + 1)]
    return [*lines, f"{pad}{head}{tail}", *body]


def _mapping(data: Mapping[str, Any], depth: int) -> list[str]:
    lines: list[str] = []
    for key, value in data.items():
        lines += _entry(f"{scalar(key)}:", value, depth)
    return lines


def dump(data: Mapping[str, Any], *, header: Sequence[str] = (), gaps: bool = True) -> str:
    """A YAML document of ``data``; top-level sections are separated by a blank line (``gaps``).

    Mappings are written in block style so comments can sit on their keys, unless wrapped in
    `Flow`; lists of scalars stay on one line when they fit.
    """
    out = _comment_lines(header, 0)
    for key, value in data.items():
        section = _entry(f"{scalar(key)}:", value, 0)
        if gaps and out and isinstance(_plain(value), Mapping | list | tuple):
            out.append("")
        out += section
    return "\n".join(out) + "\n"


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Commented) else value
