"""Parity between two environments: every difference of the effective models, intended or not."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from greenroom.errors import GreenroomError
from greenroom.model.environment import Environment

IGNORED = frozenset({"name", "description", "intended_differences"})
"""Top-level keys that differ by definition or only document the others."""

KEYS = ("name", "path", "database")
"""Fields that identify the items of a list, so lists compare by item, not by position."""

_ABSENT = object()


@dataclass(frozen=True)
class Difference:
    """One key path whose effective value differs; None means the key is absent on that side."""

    path: str
    a: str | None
    b: str | None
    intended: bool


def _show(value: Any) -> str:
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(str(v) for v in value) if value else "[]"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(", ", ": "))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _summary(value: Any) -> str:
    """A whole entry present on one side only: say what it is, not every field it has."""
    if isinstance(value, dict):
        kind = value.get("kind")
        return f"declared ({kind})" if kind else "declared"
    return _show(value)


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    """A list of named things as a dict by name; None when its items are not identifiable."""
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in KEYS:
        names = [str(item.get(key)) for item in items if key in item]
        if len(names) == len(items) and len(set(names)) == len(names):
            return dict(zip(names, items, strict=True))
    return None


def _walk(path: str, a: Any, b: Any, out: list[tuple[str, str | None, str | None]]) -> None:
    if a == b:
        return
    if a is _ABSENT or b is _ABSENT:
        out.append(
            (path, None if a is _ABSENT else _summary(a), None if b is _ABSENT else _summary(b))
        )
        return
    if isinstance(a, list) and isinstance(b, list):
        keyed_a, keyed_b = _keyed(a), _keyed(b)
        if keyed_a is not None and keyed_b is not None:
            a, b = keyed_a, keyed_b
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            _walk(f"{path}.{key}" if path else key, a.get(key, _ABSENT), b.get(key, _ABSENT), out)
        return
    out.append((path, _show(a), _show(b)))


def _intended(path: str, patterns: list[str]) -> bool:
    """A path is intended when an entry names it or one of its parents (`*` matches any part)."""
    return any(fnmatchcase(path, p) or fnmatchcase(path, p + ".*") for p in patterns)


def _effective(env: Environment) -> dict[str, Any]:
    data = env.model_dump(mode="json", by_alias=True)
    return {key: value for key, value in data.items() if key not in IGNORED}


def diff(a: Environment, b: Environment) -> list[Difference]:
    """Every difference between the effective models of ``a`` and ``b``, sorted by path."""
    rows: list[tuple[str, str | None, str | None]] = []
    _walk("", _effective(a), _effective(b), rows)
    patterns = [*a.intended_differences, *b.intended_differences]
    return [
        Difference(path, left, right, _intended(path, patterns))
        for path, left, right in sorted(rows)
    ]


def print_diff(name_a: str, name_b: str, *, strict: bool = False) -> list[Difference]:
    """Print the parity table of A vs B; with ``strict``, unintended differences are an error."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from greenroom.model import load_environment

    a, b = load_environment(name_a), load_environment(name_b)
    differences = diff(a, b)
    console = Console()
    if not differences:
        console.print(f"{name_a} and {name_b} have no differences")
        return differences
    table = Table(title=f"key differences: {name_a} vs {name_b}", title_justify="left")
    table.add_column("path", no_wrap=True)
    table.add_column(name_a)
    table.add_column(name_b)
    table.add_column("intended?")
    for row in differences:
        table.add_row(
            escape(row.path),
            "—" if row.a is None else escape(row.a),
            "—" if row.b is None else escape(row.b),
            "yes" if row.intended else "[bold red]NO[/]",
        )
    console.print(table, markup=True)
    unintended = [row for row in differences if not row.intended]
    plural = "" if len(differences) == 1 else "s"
    console.print(
        f"{len(differences)} difference{plural}, {len(unintended)} not declared as intended"
    )
    if strict and unintended:
        raise GreenroomError(
            f"{len(unintended)} difference{'' if len(unintended) == 1 else 's'} between "
            f"{name_a} and {name_b} not declared as intended: "
            + ", ".join(row.path for row in unintended[:5])
            + (" ..." if len(unintended) > 5 else ""),
            hint=f"make the environments match, or list the paths under intended_differences "
            f"in envs/{name_a}.yaml or envs/{name_b}.yaml",
            exit_code=1,
        )
    return differences
