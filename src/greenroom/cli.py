"""Between Invoke tasks and the library: clean messages, exit codes, no tracebacks."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from invoke.exceptions import Exit

from greenroom.errors import GreenroomError

P = ParamSpec("P")
R = TypeVar("R")


def command_name(argv0: str | None = None) -> str:
    """How the user started greenroom (`inv` or `greenroom`), so hints name what they typed."""
    from pathlib import PurePath

    path = PurePath(argv0 if argv0 is not None else (sys.argv[0] if sys.argv else "inv"))
    return "greenroom" if "greenroom" in (path.name, path.parent.name) else "inv"


def as_typed(text: str, command: str) -> str:
    """``text`` with its `inv ...` hints written as ``command`` runs them."""
    return text if command == "inv" else text.replace("`inv ", f"`{command} ")


def reported(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a GreenroomError (or Ctrl-C) into a clean message on stderr and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except GreenroomError as exc:
            raise Exit(as_typed(f"error: {exc}", command_name()), code=exc.exit_code) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise Exit(code=130) from None

    return wrapper
