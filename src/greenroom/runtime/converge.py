"""Start each service as soon as what it depends on is ready: ready is its protocol probe passing
on every replica (and provisioned), not the engine's healthcheck, which only ticks every few
seconds and stays what `status` reports."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from greenroom.components import Component, parts
from greenroom.components.access import Access, ProbeFailed
from greenroom.components.base import one_shot
from greenroom.errors import ReplicaError
from greenroom.progress import Progress
from greenroom.runtime.containers import (
    ContainerInfo,
    by_service,
    container_logs,
    problems,
    project_containers,
)
from greenroom.runtime.replica import Replica

POLL = 0.2
"""Seconds between two looks at the replica while something is still coming up."""

Start = Callable[[list[str]], None]
"""Creates and starts the named services, leaving their dependencies alone (`up --no-deps`)."""

Create = Callable[[list[str]], None]
"""Creates the named services' containers without starting them (`up --no-start --no-deps`)."""


def container_ready(part: Component, access: Access, container: ContainerInfo) -> str:
    """What answered on this one container; ProbeFailed while it is not ready.

    The probe goes to the container's own published port, so each replica is checked. Without a
    probe (nothing published, or no health endpoint) the engine's healthcheck decides.
    """
    if container.status != "running":
        raise ProbeFailed(f"container {container.status}")
    if container.health == "unhealthy":
        raise ProbeFailed("engine healthcheck: unhealthy")
    own = access
    if container.ports:
        own = dataclasses.replace(
            access, host_ports={**access.host_ports, container.service: container.ports}
        )
    probe = part.probe(own)
    if probe is not None:
        return probe()
    if container.health == "starting":
        raise ProbeFailed("engine healthcheck: starting")
    return "running"


def probe_passes(part: Component, access: Access, container: ContainerInfo) -> bool:
    """True when ``container`` answers its protocol probe (see `container_ready`)."""
    try:
        container_ready(part, access, container)
    except ProbeFailed:
        return False
    return True


def problems_now(replica: Replica, containers: list[ContainerInfo]) -> list[str]:
    """`problems`, where a container whose healthcheck has not ticked yet counts as healthy when
    its protocol probe passes: `status` and a no-op `up` right after `up` agree with it."""
    everything = parts(replica.env)
    access = replica.access()

    def ok(container: ContainerInfo) -> bool:
        if container.ok:
            return True
        part = everything.get(container.service)
        return (
            container.health == "starting"
            and part is not None
            and probe_passes(part, access, container)
        )

    return problems(replica.env, containers, ok)


def _compose_services(everything: Mapping[str, Component], names: list[str]) -> list[str]:
    """The Compose services of model entries: a Postgres read replica starts with its primary."""
    return sorted({s for n in names for s in (n, *everything[n].container_ports())})


def start_when_ready(
    replica: Replica,
    access: Access,
    progress: Progress,
    start: Start,
    timeout: float,
    create: Create | None = None,
    all_started: Callable[[], None] | None = None,
) -> None:
    """Start every service once its dependencies are ready; return when all are ready.

    Each started service is watched on its own thread, so a slow probe (or provisioning) never
    delays noticing another service. A component is ready once its probe passes on every replica
    and what the model declares on it is provisioned; a one-shot once it has exited 0. A
    container that dies fails the `up` at once, with its log. With ``create``, the containers of
    what must wait are created while the first services come up, so starting them later is quick.
    ``all_started`` is called once every container has been started, while the last ones get ready.
    """
    everything = parts(replica.env)
    needs = {n: [d for d in p.depends_on() if d in everything] for n, p in everything.items()}
    watch = _Watch(replica, access, progress, time.monotonic() + timeout, timeout)
    ready: set[str] = set()
    waiting: dict[Future[None], str] = {}
    with ThreadPoolExecutor(max_workers=len(everything) or 1, thread_name_prefix="ready") as pool:
        try:
            while len(ready) < len(everything):
                started = set(waiting.values()) | ready
                startable = [
                    name
                    for name in everything
                    if name not in started and all(d in ready for d in needs[name])
                ]
                if startable:
                    for name in startable:
                        watch.phase(name, "starting")
                    start(_compose_services(everything, startable))
                    for name in startable:
                        waiting[pool.submit(watch.until_ready, everything[name])] = name
                    later = sorted(set(everything) - started - set(startable))
                    if create is not None and later and not started:
                        create(_compose_services(everything, later))
                    if all_started is not None and not later:
                        all_started()
                if not waiting:
                    stuck = sorted(set(everything) - ready)
                    raise ReplicaError(
                        f"{', '.join(stuck)} of {replica.project} can never start: they wait "
                        "on each other through depends_on",
                        hint="break the cycle in the services' depends_on in envs/",
                    )
                finished, _ = wait(list(waiting), return_when=FIRST_COMPLETED)
                for future in finished:
                    future.result()
                    ready.add(waiting.pop(future))
        finally:
            watch.stop.set()


class _Watch:
    """What the watcher threads share: the replica, the deadline, and one lock on the progress."""

    def __init__(
        self,
        replica: Replica,
        access: Access,
        progress: Progress,
        deadline: float,
        timeout: float,
    ) -> None:
        self.replica, self.access, self.progress = replica, access, progress
        self.deadline, self.timeout = deadline, timeout
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self._listed: tuple[float, dict[str, list[ContainerInfo]]] = (0.0, {})

    def containers(self, name: str) -> list[ContainerInfo]:
        """The service's containers, from one engine listing shared by the watchers per poll."""
        with self.lock:
            when, grouped = self._listed
            if time.monotonic() - when > POLL / 2:
                grouped = by_service(project_containers(self.replica.project))
                self._listed = (time.monotonic(), grouped)
        return grouped.get(name, [])

    def phase(self, name: str, text: str) -> None:
        with self.lock:
            self.progress.phase(name, text)

    def done(self, name: str, text: str) -> None:
        with self.lock:
            self.progress.done(name, text)

    def until_ready(self, part: Component) -> None:
        """Poll one service until ready (then provision it); raise when it dies or times out."""
        name = part.name
        last = "no answer"
        while not self.stop.is_set():
            containers = self.containers(name)
            began = time.monotonic()
            try:
                detail = _check(self.replica, self.access, part, containers)
            except ProbeFailed as exc:
                last = str(exc)
                self.phase(name, f"waiting: {last[:80]}")
                if time.monotonic() > self.deadline:
                    fail(
                        self.replica,
                        name,
                        f"not ready after {self.timeout:.0f}s: {last}",
                        containers[0] if containers else None,
                    )
                # A probe that costs more than a poll gets as long to rest: probing must not take
                # the CPU the services themselves need to start.
                self.stop.wait(max(POLL, time.monotonic() - began))
                continue
            if one_shot(part) or part.replicas() == 0:
                self.done(name, detail)
                return
            self.phase(name, f"provisioning ({detail})"[:100])
            self.done(name, _ready_text(part.provision(self.access)))
            return


def _ready_text(report: Any) -> str:
    done = getattr(report, "done", None)
    return "ready" if done is None else f"ready, provisioned: {len(done)} resource(s)"


def _check(
    replica: Replica, access: Access, part: Component, containers: list[ContainerInfo]
) -> str:
    """A short "ready" description; ProbeFailed while waiting; ReplicaError when one died."""
    name = part.name
    if one_shot(part):
        if containers and all(c.status == "exited" for c in containers):
            failed = next((c for c in containers if c.exit_code != 0), None)
            if failed:
                fail(replica, name, f"exited with code {failed.exit_code}", failed)
            return "completed"
        raise ProbeFailed("running" if containers else "no container yet")
    dead = next((c for c in containers if c.status in {"exited", "dead"}), None)
    if dead:
        fail(replica, name, f"container {dead.status} ({dead.exit_code})", dead)
    wanted = part.replicas()
    if wanted == 0:
        return "scaled to 0"
    if len(containers) < wanted:
        raise ProbeFailed(f"{len(containers)}/{wanted} container(s)")
    details = [container_ready(part, access, c) for c in containers]
    return details[0] if len(details) == 1 else f"{len(details)} replicas: {details[0]}"


def fail(replica: Replica, name: str, why: str, container: ContainerInfo | None) -> None:
    """Raise the error a person reads: the service, what was seen, and the end of its log."""
    logs = container_logs(container.id) if container else "(no container)"
    raise ReplicaError(
        f"service {name} of {replica.project}: {why}",
        details=f"--- last lines of {name}'s log ---\n{logs}",
        hint=f"fix the cause above and run `inv up {replica.env.name}` again "
        f"(`inv logs {replica.env.name} --service {name}` shows the whole log)",
    )
