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


def reported(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a GreenroomError (or Ctrl-C) into a clean message on stderr and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except GreenroomError as exc:
            raise Exit(f"error: {exc}", code=exc.exit_code) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise Exit(code=130) from None

    return wrapper
