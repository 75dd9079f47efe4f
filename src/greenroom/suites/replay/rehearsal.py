"""One replay rehearsal on a replica: reset what the model names, publish, wait, read the state.

The state digest covers what `replay.state` names (tables, object prefixes, queues), read
through each component kind; the consuming services (`replay.consumers`) are stopped to pause
them and started again to resume.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from greenroom.components.nats.stream import StoredMessage, backlog, deliveries, publish
from greenroom.errors import SuiteError
from greenroom.model.types import ReplaySpec
from greenroom.suites.target import Target

POLL = 0.5


class NotDrained(AssertionError):
    """The app did not work through a replay before the deadline."""


@dataclass(frozen=True)
class Digest:
    """A state digest: one line per named item (``table t: 20 entries sha256:...``) and a total."""

    items: Mapping[str, str]

    @property
    def total(self) -> str:
        text = "\n".join(f"{k}={v}" for k, v in sorted(self.items.items()))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    def differences(self, other: Digest) -> list[str]:
        """``item: this != other`` for each item that differs."""
        names = sorted(set(self.items) | set(other.items))
        return [
            f"{n}: {self.items.get(n, 'absent')} != {other.items.get(n, 'absent')}"
            for n in names
            if self.items.get(n) != other.items.get(n)
        ]


def digest_of(lines: Mapping[str, Sequence[str]]) -> Digest:
    return Digest(
        {
            name: f"{len(found)} entries sha256:"
            + hashlib.sha256("\n".join(sorted(found)).encode()).hexdigest()[:16]
            for name, found in lines.items()
        }
    )


def replica_services(target: Target) -> Callable[[str, Sequence[str]], None] | None:
    """Stop or start services of a local replica; a deployed environment is not touched."""
    if target.kind != "replica":
        return None
    from greenroom.runtime import Replica

    docker = Replica.open(target.env).docker()

    def run(action: str, names: Sequence[str]) -> None:
        getattr(docker.compose, action)(list(names))

    return run


@dataclass
class Rehearsal:
    """Replays ``messages`` into the stream ``stream`` of ``target``'s replica."""

    target: Target
    spec: ReplaySpec
    messages: Sequence[StoredMessage]
    stream: str
    services: Callable[[str, Sequence[str]], None] | None = None
    """Runs ``stop`` or ``start`` on services of the replica (None: they cannot be paused)."""
    drained: dict[str, list[str]] = field(default_factory=dict)

    def _nats(self) -> Any:
        conn = self.target.connection("nats")
        if conn is None:
            raise SuiteError(f"{self.target.env} has no NATS component to replay into")
        return conn

    def _holders(self) -> list[tuple[Any, Any]]:
        return [
            (part, self.target.connections[name])
            for name, part in sorted(self.target.parts.items())
            if name in self.target.connections
        ]

    def pause(self) -> None:
        if self.services is not None and self.spec.consumers:
            self.services("stop", self.spec.consumers)

    def resume(self) -> None:
        if self.services is not None and self.spec.consumers:
            self.services("start", self.spec.consumers)

    def reset(self, *, transport_only: bool = False) -> None:
        """Empty the stream (its duplicate window too) and, unless ``transport_only``, the state;
        the consumers are paused meanwhile."""
        transport = self._nats()
        self.pause()
        try:
            for part, conn in self._holders():
                if not transport_only or conn is transport:
                    part.reset(conn, self.spec.state)
        finally:
            self.resume()
        if not transport_only:
            self.drained.clear()

    def publish(self) -> int:
        """Every message of the file into the stream; how many it stored."""

        async def use(nc: Any) -> int:
            return await publish(nc, self.messages, speed=self.spec.speed)

        stored: int = self._nats().run(use)
        return stored

    def backlog(self) -> int:
        async def use(nc: Any) -> int:
            return await backlog(nc, self.stream)

        pending: int = self._nats().run(use)
        return pending

    def owed(self) -> int:
        """Deliveries the replayed messages owe the durable consumers (one per matching filter)."""
        subjects = [m.subject for m in self.messages]

        async def use(nc: Any) -> int:
            return await deliveries(nc, self.stream, subjects)

        count: int = self._nats().run(use)
        return count

    def observe(self) -> Digest:
        """The state now; messages drained from queues add to those drained since the reset."""
        lines: dict[str, Sequence[str]] = {}
        for part, conn in self._holders():
            for name, seen in part.observe(conn, self.spec.state).items():
                if seen.drained:
                    self.drained.setdefault(name, []).extend(seen.lines)
                    lines[name] = list(self.drained[name])
                else:
                    lines[name] = seen.lines
        return digest_of(lines)

    def settle(self, *, clock: Callable[[], float] = time.monotonic) -> tuple[Digest, float]:
        """Wait until the consumers have acknowledged everything and the state holds still.

        Returns the state and the seconds until the backlog was empty (the drain time).
        """
        start = clock()
        drained_at: float | None = None
        last: Digest | None = None
        while True:
            pending = self.backlog()
            now = clock()
            if pending == 0 and drained_at is None:
                drained_at = now - start
            seen = self.observe() if pending == 0 else None
            if seen is not None and last is not None and seen == last and drained_at is not None:
                return seen, drained_at
            last = seen
            if now - start > self.spec.deadline:
                raise NotDrained(
                    f"after {self.spec.deadline} s the consumers of {self.stream} still had "
                    f"{pending} message(s) to acknowledge, or the state kept changing"
                )
            time.sleep(POLL)
