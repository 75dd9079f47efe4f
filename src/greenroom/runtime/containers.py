"""What the engine says about a replica's containers: found by the Compose project label."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from greenroom.errors import EngineError

if TYPE_CHECKING:
    from greenroom.model.environment import Environment

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


@dataclass(frozen=True)
class ContainerInfo:
    id: str
    name: str
    service: str
    status: str
    """created, running, exited, ..."""
    health: str | None
    """healthy, unhealthy, starting, or None without a healthcheck."""
    exit_code: int
    image: str
    created: str
    """Unix time the container was created (recreated containers restart the clock)."""
    ports: dict[int, int]
    """container port -> host port, for published TCP ports."""

    @property
    def ok(self) -> bool:
        return self.status == "running" and self.health in (None, "healthy")


def project_containers(project: str) -> list[ContainerInfo]:
    """Every container (running or not) of a Compose project, in one engine call."""
    from docker.errors import DockerException

    from greenroom.images.engine import api

    try:
        listed = api().containers(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})
    except DockerException as exc:
        raise EngineError(
            "could not list containers", details=str(exc)[-500:], hint="run `inv doctor`"
        ) from exc
    return sorted((_info(c) for c in listed), key=lambda c: (c.service, c.name))


_EXITED = re.compile(r"Exited \((-?\d+)\)")


def _info(summary: dict[str, Any]) -> ContainerInfo:
    """From the engine's container summary (`GET /containers/json`)."""
    status_text = str(summary.get("Status", ""))
    health = None
    if "(healthy)" in status_text:
        health = "healthy"
    elif "(unhealthy)" in status_text:
        health = "unhealthy"
    elif "(health: starting)" in status_text:
        health = "starting"
    exited = _EXITED.search(status_text)
    ports: dict[int, int] = {}
    for port in summary.get("Ports") or []:
        if port.get("Type") == "tcp" and port.get("PublicPort"):
            ports.setdefault(int(port["PrivatePort"]), int(port["PublicPort"]))
    labels = summary.get("Labels") or {}
    names = summary.get("Names") or ["?"]
    return ContainerInfo(
        id=str(summary.get("Id", "")),
        name=str(names[0]).lstrip("/"),
        service=str(labels.get(SERVICE_LABEL, "?")),
        status=str(summary.get("State", "")),
        health=health,
        exit_code=int(exited.group(1)) if exited else 0,
        image=str(summary.get("ImageID", "")),
        created=str(summary.get("Created", "")),
        ports=ports,
    )


def bound_ports(containers: Iterable[ContainerInfo]) -> list[int]:
    """Host ports the containers are configured to publish, running or not yet started.

    An interrupted `up` can leave containers created whose ports the engine already holds while
    the container list shows none; the configuration says which ports are theirs.
    """
    from docker.errors import DockerException, NotFound

    from greenroom.images.engine import api

    ports: list[int] = []
    for container in containers:
        try:
            config = api().inspect_container(container.id)
        except NotFound:
            continue
        except DockerException as exc:
            raise EngineError(
                "could not inspect a container", details=str(exc)[-500:], hint="run `inv doctor`"
            ) from exc
        bindings = (config.get("HostConfig") or {}).get("PortBindings") or {}
        for binding in bindings.values():
            for host in (b.get("HostPort") or "" for b in binding or []):
                low, _, high = host.partition("-")  # a replicated service publishes a range
                if low.isdigit():
                    ports += range(int(low), int(high or low) + 1)
    return ports


_ANONYMOUS = re.compile(r"[0-9a-f]{64}")


def anonymous_volumes(containers: Iterable[ContainerInfo]) -> set[str]:
    """Unnamed volumes the containers mount: what an image's `VOLUME` gets when nothing is
    mounted there. Compose keeps them on `down` (and across recreation), so greenroom removes
    them with the replica."""
    from docker.errors import DockerException, NotFound

    from greenroom.images.engine import api

    found: set[str] = set()
    for container in containers:
        try:
            mounts = api().inspect_container(container.id).get("Mounts") or []
        except NotFound:
            continue
        except DockerException as exc:
            raise EngineError(
                "could not inspect a container", details=str(exc)[-500:], hint="run `inv doctor`"
            ) from exc
        found |= {
            str(m["Name"])
            for m in mounts
            if m.get("Type") == "volume" and _ANONYMOUS.fullmatch(str(m.get("Name", "")))
        }
    return found


def remove_leftover_networks(project: str) -> list[str]:
    """Remove the networks Compose made for ``project`` that its file no longer names (the model's
    zones or reach rules changed while the replica ran), so `down` leaves none behind; return
    those kept because a container outside the replica is still attached."""
    from docker.errors import APIError, NotFound

    from greenroom.images.engine import api

    kept: list[str] = []
    for network in api().networks(filters={"label": f"{PROJECT_LABEL}={project}"}):
        try:
            api().remove_network(network["Id"])
        except NotFound:
            continue
        except APIError:
            kept.append(str(network.get("Name")))
    return kept


def _ranges(network: Mapping[str, Any]) -> list[str]:
    """The ranges a network hands addresses out from (the engine's `IPAM` or Compose's `ipam`)."""
    ipam = network.get("IPAM") or network.get("ipam") or {}
    ranges = (
        str(config.get("IPRange") or config.get("ip_range") or "")
        for config in ipam.get("Config") or ipam.get("config") or []
    )
    return [r for r in ranges if r]


def diverged_networks(project: str, rendered: Mapping[str, Any]) -> list[str]:
    """The project's networks whose isolation (`internal`, or NAT) or address ranges the rendered
    file changes: Compose must recreate them, which it cannot while containers it does not touch
    hold them."""
    from greenroom.images.engine import api
    from greenroom.render.topology import NO_NAT
    from greenroom.runtime.netview import isolation, short_name

    found: list[str] = []
    for network in api().networks(filters={"label": f"{PROJECT_LABEL}={project}"}):
        name = short_name(project, str(network.get("Name", "")))
        if name not in rendered:
            continue
        spec = rendered[name] or {}
        nat = (spec.get("driver_opts") or {}).get(NO_NAT, "true") != "false"
        if isolation(network) != (bool(spec.get("internal")), nat) or _ranges(network) != _ranges(
            spec
        ):
            found.append(name)
    return sorted(found)


def remove_volumes(names: Iterable[str]) -> list[str]:
    """Remove the volumes that exist; return those kept because a container outside uses them."""
    from docker.errors import APIError, NotFound

    from greenroom.images.engine import api

    kept: list[str] = []
    for name in sorted(names):
        try:
            api().remove_volume(name)
        except NotFound:
            continue
        except APIError as exc:
            if exc.status_code == 409:  # mounted by a container outside the replica
                kept.append(name)
                continue
            raise EngineError(
                f"could not remove volume {name}",
                details=str(exc)[-500:],
                hint=f"run `inv doctor`; `docker volume rm {name}` removes it by hand",
            ) from exc
    return kept


def container_logs(container_id: str, lines: int = 30) -> str:
    """The last ``lines`` lines of a container's log (stdout and stderr); "" when it is gone."""
    from docker.errors import DockerException

    from greenroom.images.engine import api

    try:
        raw: bytes = api().logs(container_id, stdout=True, stderr=True, tail=lines)
    except DockerException:
        return ""
    return raw.decode("utf-8", "replace").rstrip()


def by_service(containers: Iterable[ContainerInfo]) -> dict[str, list[ContainerInfo]]:
    """Containers grouped by their Compose service (a replicated service has several)."""
    grouped: dict[str, list[ContainerInfo]] = {}
    for container in containers:
        grouped.setdefault(container.service, []).append(container)
    return grouped


def problems(
    env: Environment,
    containers: Iterable[ContainerInfo],
    ok: Callable[[ContainerInfo], bool] | None = None,
) -> list[str]:
    """What keeps a replica from being healthy, one entry per problem; empty when it is.

    Every component runs healthy; every service runs exactly its replicas, healthy; a one-shot
    has run (or runs) without failing. ``ok`` judges one container (default: the engine's view).
    """
    from greenroom.components import parts

    healthy_one = ok or (lambda c: c.ok)
    grouped = by_service(containers)
    found: list[str] = []
    bound = parts(env)
    for name in sorted(env.components):
        for own in sorted({name, *bound[name].container_ports()}):  # a read replica too
            running = grouped.get(own, [])
            if not running:
                found.append(f"{own} (no container)")
            found += [c.name for c in running if not healthy_one(c)]
    for name, service in sorted(env.services.items()):
        running = grouped.get(name, [])
        if service.one_shot:
            if not running:
                found.append(f"{name} (no container)")
            found += [c.name for c in running if c.exit_code != 0]
            continue
        unhealthy = [c.name for c in running if not healthy_one(c)]
        healthy = len(running) - len(unhealthy)
        found += unhealthy
        if not running and service.replicas > 0:
            found.append(f"{name} (no container)")
        elif healthy != service.replicas and not unhealthy:
            found.append(f"{name} ({healthy}/{service.replicas} healthy)")
    return found
