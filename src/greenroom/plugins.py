"""Loading plug-ins: greenroom's own modules of a package, then those installed under an entry-point
group, each imported once so its registration runs."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from importlib.metadata import entry_points

_LOADED: set[tuple[str, str]] = set()


def load(package: str, builtin: Iterable[str], group: str) -> None:
    """Import ``package.<name>`` for each built-in name, then every entry point of ``group``."""
    if (package, group) in _LOADED:
        return
    _LOADED.add((package, group))
    for name in builtin:
        importlib.import_module(f"{package}.{name}")
    for entry in entry_points(group=group):
        entry.load()
