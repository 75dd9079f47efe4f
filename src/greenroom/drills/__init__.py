"""Drills: faults injected into a replica and what it takes to recover (backup and restore)."""

from __future__ import annotations

from collections.abc import Sequence

from greenroom.errors import ConfigError

DRILLS = ("backup", "failover", "jetstream")


def run_drill(kind: str, env: str, overrides: Sequence[str] = ()) -> None:
    """Run drill ``kind`` on ``env``'s replica."""
    if kind == "backup":
        from greenroom.drills.backup import drill_backup

        drill_backup(env, overrides)
    elif kind == "failover":
        from greenroom.drills.failover import drill_failover

        drill_failover(env, overrides)
    elif kind == "jetstream":
        from greenroom.drills.jetstream import drill_jetstream

        drill_jetstream(env, overrides)
    else:
        raise ConfigError(f"no drill named {kind!r}", hint=f"drills: {', '.join(DRILLS)}")
