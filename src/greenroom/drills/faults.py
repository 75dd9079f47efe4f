"""Faults a drill (or a rollout rehearsal) injects into a replica, each undone on the way out.

Every fault is a context manager over one Compose service's containers: stopped, killed, paused, or
cut from one of the replica's networks. It records when it struck, so a drill measures recovery
from that moment.

    with faults.killed(project, "postgres") as fault:
        ...  # the service is down from fault.at
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from greenroom.errors import ReplicaError

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


@dataclass(frozen=True)
class Fault:
    """What struck, where and when (wall clock for reports, monotonic for durations)."""

    kind: str
    service: str
    containers: tuple[str, ...]
    at: float
    wall: str
    network: str = ""

    def since(self) -> float:
        """Seconds since the fault struck."""
        return time.monotonic() - self.at


def _api() -> Any:
    from greenroom.images.engine import api

    return api()


def containers(project: str, service: str) -> list[dict[str, Any]]:
    """The containers of one Compose service of ``project``, running or not."""
    labels = [f"{PROJECT_LABEL}={project}", f"{SERVICE_LABEL}={service}"]
    found: list[dict[str, Any]] = _api().containers(all=True, filters={"label": labels})
    if not found:
        raise ReplicaError(
            f"{project} has no container of {service}",
            hint="bring the replica up first (`inv up ENV`) and name one of its services",
        )
    return sorted(found, key=lambda c: str(c["Names"][0]))


def _fault(kind: str, service: str, found: list[dict[str, Any]], network: str = "") -> Fault:
    names = tuple(str(c["Names"][0]).lstrip("/") for c in found)
    wall = datetime.now(UTC).isoformat(timespec="milliseconds")
    return Fault(kind, service, names, time.monotonic(), wall, network)


@contextmanager
def _applied(
    kind: str,
    project: str,
    service: str,
    strike: Callable[[str], None],
    undo: Callable[[str], None],
) -> Iterator[Fault]:
    found = containers(project, service)
    fault = _fault(kind, service, found)
    try:
        for container in found:
            strike(container["Id"])
        yield fault
    finally:
        for container in found:
            undo(container["Id"])


def stopped(project: str, service: str, grace: int = 2) -> AbstractContextManager[Fault]:
    """The service stopped (SIGTERM, then SIGKILL after ``grace`` seconds); started again after."""
    api = _api()
    return _applied(
        "stop", project, service, lambda c: api.stop(c, timeout=grace), lambda c: api.start(c)
    )


def killed(project: str, service: str) -> AbstractContextManager[Fault]:
    """The service killed at once (SIGKILL, no shutdown); started again after."""
    api = _api()
    return _applied("kill", project, service, lambda c: api.kill(c), lambda c: api.start(c))


def paused(project: str, service: str) -> AbstractContextManager[Fault]:
    """The service frozen (its processes get no CPU, connections hang); resumed after."""
    api = _api()
    return _applied("pause", project, service, lambda c: api.pause(c), lambda c: api.unpause(c))


@contextmanager
def cut(project: str, service: str, network: str) -> Iterator[Fault]:
    """The service disconnected from one network of the replica (``to-postgres``); reconnected
    after under its service name, so the others find it again by name."""
    api = _api()
    full = network if network.startswith(f"{project}_") else f"{project}_{network}"
    found = containers(project, service)
    fault = _fault("cut", service, found, network)
    for container in found:
        api.disconnect_container_from_network(container["Id"], full)
    try:
        yield fault
    finally:
        for container in found:
            api.connect_container_to_network(container["Id"], full, aliases=[service])
