"""What the benchmarks that measure a replica share: its flags and bringing it up warm."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def replica_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", default="dev")
    parser.add_argument("--no-up", action="store_true", help="do not bring the replica up first")


def warm_target(args: argparse.Namespace) -> Any | None:
    """The replica's suite target, brought up first unless ``--no-up``; None (said) on error."""
    from greenroom.errors import GreenroomError
    from greenroom.suites import resolve_target

    try:
        if not args.no_up:
            from greenroom.runtime import up

            up(args.env)
        return resolve_target(args.env)
    except GreenroomError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
