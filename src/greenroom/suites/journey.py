"""Follow one request hop by hop until a deadline, so a broken path names the hop that broke.

Each hop is a check that returns what it saw or raises: ``NotYet`` while the system is still
catching up (retried until the deadline), any other exception when the hop is plainly broken
(also retried: a component may be restarting). When the deadline passes the failure reads
``hop 3/6 (outbox → JetStream) failed: <what the last attempt saw>``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_DEADLINE = 30.0
DEFAULT_INTERVAL = 0.25
MASK = "****"


class NotYet(Exception):
    """The hop has not happened yet; the message says what the check saw."""


class HopFailed(AssertionError):
    """A hop did not happen before the deadline. An AssertionError, so pytest reports a failure."""

    def __init__(self, index: int, total: int, name: str, detail: str) -> None:
        self.index, self.total, self.name, self.detail = index, total, name, detail
        super().__init__(f"hop {index}/{total} ({name}) failed: {detail}")


@dataclass(frozen=True)
class Hop:
    """One step of the journey: ``check`` proves it happened and returns what it saw."""

    name: str
    check: Callable[[], Any]
    retry: bool = True
    """False for a step that must not be repeated (a POST creating the order)."""


@dataclass
class Journey:
    """What was seen at each hop, for the test report."""

    seen: list[tuple[str, Any]] = field(default_factory=list)


def describe(exc: BaseException, secrets: Sequence[str] = ()) -> str:
    """One line for an exception, with any of ``secrets`` a driver echoed back masked."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    if isinstance(exc, NotYet | AssertionError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def follow(
    hops: Sequence[Hop],
    *,
    deadline: float = DEFAULT_DEADLINE,
    interval: float = DEFAULT_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    secrets: Sequence[str] = (),
) -> Journey:
    """Run the hops in order within ``deadline`` seconds in all; HopFailed names the first miss."""
    journey = Journey()
    end = clock() + deadline
    total = len(hops)
    for index, hop in enumerate(hops, start=1):
        while True:
            try:
                journey.seen.append((hop.name, hop.check()))
                break
            except Exception as exc:
                detail = describe(exc, secrets)
                if not hop.retry or clock() + interval > end:
                    if hop.retry:
                        detail += f" (still so after the {deadline:g} s deadline)"
                    raise HopFailed(index, total, hop.name, detail) from exc
            sleep(interval)
    return journey
