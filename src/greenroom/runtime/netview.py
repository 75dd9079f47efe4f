"""What the engine shows of a replica's network: each container, its part and its addresses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from greenroom.errors import EngineError
from greenroom.render.topology import NO_NAT

COMPONENT_LABEL = "dev.greenroom.component"
SERVICE_LABEL = "com.docker.compose.service"
PROJECT_LABEL = "com.docker.compose.project"


@dataclass(frozen=True)
class Box:
    """One container of the replica and the networks it is on (short name -> its address)."""

    id: str
    name: str
    service: str
    part: str
    running: bool
    networks: Mapping[str, str]
    bindings: Mapping[int, tuple[str, int]] = field(default_factory=dict)
    """Container port -> (host address, host port) the engine publishes it on."""


def isolation(network: Mapping[str, Any]) -> tuple[bool, bool]:
    """(internal, NAT) of a network as the engine describes it (`GET /networks`)."""
    options = network.get("Options") or {}
    return bool(network.get("Internal")), options.get(NO_NAT, "true") != "false"


def short_name(project: str, network: str) -> str:
    """The replica's networks by their model name (`to-postgres`); any other by its own."""
    return network.removeprefix(f"{project}_")


def boxes(project: str) -> list[Box]:
    """Every container of the Compose project, with its networks as the engine has them now."""
    from docker.errors import DockerException

    from greenroom.images.engine import api

    try:
        listed = api().containers(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})
        found = [api().inspect_container(c["Id"]) for c in listed]
    except DockerException as exc:
        raise EngineError(
            "could not inspect the replica's containers", details=str(exc)[-500:]
        ) from exc
    return sorted((_box(project, data) for data in found), key=lambda b: (b.part, b.name))


def _box(project: str, data: Mapping[str, Any]) -> Box:
    labels = (data.get("Config") or {}).get("Labels") or {}
    settings = data.get("NetworkSettings") or {}
    networks = {
        short_name(project, name): str(
            net.get("IPAddress") or (net.get("IPAMConfig") or {}).get("IPv4Address") or ""
        )
        for name, net in (settings.get("Networks") or {}).items()
    }
    bindings: dict[int, tuple[str, int]] = {}
    for key, hosts in (settings.get("Ports") or {}).items():
        port, _, proto = str(key).partition("/")
        for host in hosts or []:
            if proto == "tcp" and host.get("HostPort"):
                bindings.setdefault(
                    int(port), (str(host.get("HostIp") or ""), int(host["HostPort"]))
                )
    return Box(
        id=str(data["Id"]),
        name=str(data.get("Name", "?")).lstrip("/"),
        service=str(labels.get(SERVICE_LABEL, "?")),
        part=str(labels.get(COMPONENT_LABEL, labels.get(SERVICE_LABEL, "?"))),
        running=bool((data.get("State") or {}).get("Running")),
        networks=networks,
        bindings=bindings,
    )
