"""The local replica: start, wait, provision, inspect, stop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from greenroom.lazy import exports

if TYPE_CHECKING:
    from greenroom.runtime.lifecycle import down, up
    from greenroom.runtime.operate import invoke, logs, psql, shell, status
    from greenroom.runtime.replica import Replica

_HOMES = {
    "Replica": "replica",
    "down": "lifecycle",
    "up": "lifecycle",
    "invoke": "operate",
    "logs": "operate",
    "psql": "operate",
    "shell": "operate",
    "status": "operate",
}

__all__ = [
    "Replica",
    "down",
    "invoke",
    "logs",
    "psql",
    "shell",
    "status",
    "up",
]


__getattr__ = exports(__name__, _HOMES)
