"""What the engine shows of a replica's network, and connections tried from inside it.

A probe container (greenroom's python image, no registry needed) joins exactly the networks a
source's containers are on, then tries every port of every other container by name and by each
of its addresses; a closed port refuses or times out within a second. Host exposure is tried
from the host, on loopback and on an address of the host that is not loopback.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from greenroom.errors import EngineError

COMPONENT_LABEL = "dev.greenroom.component"
SERVICE_LABEL = "com.docker.compose.service"
PROJECT_LABEL = "com.docker.compose.project"
PROBE_LABEL = "dev.greenroom.probe"
NO_NAT = "com.docker.network.bridge.enable_ip_masquerade"
TIMEOUT = 1.0

SCRIPT = """
import json, socket, sys
from concurrent.futures import ThreadPoolExecutor

def attempt(item):
    key, host, port = item
    try:
        with socket.create_connection((host, port), timeout=float(sys.argv[2])):
            return key, host, "open"
    except socket.gaierror:
        return key, host, "unresolved"
    except ConnectionRefusedError:
        return key, host, "refused"
    except OSError as exc:
        return key, host, "timeout" if isinstance(exc, TimeoutError) else "unreachable"

items = json.loads(sys.argv[1])
with ThreadPoolExecutor(64) as pool:
    print(json.dumps(list(pool.map(attempt, items))))
"""


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


@dataclass(frozen=True)
class Attempt:
    """One connection from a source to a target port; ``via``: the name or address tried."""

    service: str
    port: int
    via: str
    outcome: str

    @property
    def open(self) -> bool:
        return self.outcome == "open"


def _api() -> Any:
    from greenroom.images.engine import api

    return api()


def _short(project: str, network: str) -> str:
    """The replica's networks by their model name (`to-postgres`); any other by its own."""
    return network.removeprefix(f"{project}_")


def _full(project: str, network: str) -> str:
    """The engine's name of a network: the replica's own carry the project's prefix."""
    owned = _api().networks(names=[f"{project}_{network}"])
    return (
        f"{project}_{network}"
        if any(n["Name"] == f"{project}_{network}" for n in owned)
        else network
    )


def boxes(project: str) -> list[Box]:
    """Every container of the Compose project, with its networks as the engine has them now."""
    from docker.errors import DockerException

    try:
        listed = _api().containers(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})
        found = [_api().inspect_container(c["Id"]) for c in listed]
    except DockerException as exc:
        raise EngineError(
            "could not inspect the replica's containers", details=str(exc)[-500:]
        ) from exc
    return sorted((_box(project, data) for data in found), key=lambda b: (b.part, b.name))


def _box(project: str, data: Mapping[str, Any]) -> Box:
    labels = (data.get("Config") or {}).get("Labels") or {}
    settings = data.get("NetworkSettings") or {}
    networks = {
        _short(project, name): str(net.get("IPAddress") or "")
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


def network_options(project: str, names: Iterable[str]) -> dict[str, tuple[bool, bool]]:
    """Short network name -> (internal, NAT) as the engine has it."""
    out: dict[str, tuple[bool, bool]] = {}
    for name in sorted(set(names)):
        data = _api().inspect_network(_full(project, name))
        options = data.get("Options") or {}
        out[name] = (bool(data.get("Internal")), options.get(NO_NAT, "true") != "false")
    return out


@contextmanager
def _probe(project: str, networks: Iterable[str], image: str) -> Iterator[str]:
    """A sleeping container on exactly ``networks``; removed on the way out."""
    names = [_full(project, n) for n in networks]
    api = _api()
    config = api.create_host_config(network_mode=names[0])
    created = api.create_container(
        image,
        command=["python", "-c", "import time; time.sleep(600)"],
        labels={PROBE_LABEL: project},
        host_config=config,
        name=f"{project}-probe-{uuid.uuid4().hex[:8]}",
    )
    probe = str(created["Id"])
    try:
        for name in names[1:]:
            api.connect_container_to_network(probe, name)
        api.start(probe)
        yield probe
    finally:
        api.remove_container(probe, force=True)


def attempts_from(
    project: str,
    networks: Iterable[str],
    targets: Iterable[Box],
    ports: Mapping[str, Iterable[int]],
) -> list[Attempt]:
    """Connections from a probe on ``networks`` to each target's ports, by name and address."""
    from greenroom.images.catalog import CATALOG

    joined = set(networks)
    items: list[tuple[str, str, int]] = []
    unnamed: list[Attempt] = []
    for box in targets:
        if not box.running:
            continue
        for port in ports.get(box.service, ()):
            key = f"{box.service}:{port}"
            if joined & set(box.networks):
                items.append((key, box.service, port))
            else:  # no shared network: Docker's DNS would ask the host's resolver and wait
                unnamed.append(Attempt(box.service, port, box.service, "unresolved"))
            items += [(key, ip, port) for ip in box.networks.values() if ip]
    if not items:
        return unnamed
    with _probe(project, networks, CATALOG["python"].ref) as probe:
        argv = ["python", "-c", SCRIPT, json.dumps(items), str(TIMEOUT)]
        run = _api().exec_create(probe, argv)
        raw = _api().exec_start(run["Id"]).decode("utf-8", "replace")
    try:
        results = json.loads(raw.strip().splitlines()[-1])
    except (ValueError, IndexError) as exc:
        raise EngineError("the network probe gave no answer", details=raw[-500:]) from exc
    return unnamed + [
        Attempt(key.rsplit(":", 1)[0], int(key.rsplit(":", 1)[1]), via, outcome)
        for key, via, outcome in results
    ]


def local_name(domain: str) -> bool:
    """`localhost` and `*.localhost` are loopback on any machine (RFC 6761), as browsers and curl
    treat them whatever the host's resolver says."""
    return domain == "localhost" or domain.endswith(".localhost")


def host_outcome(address: str, port: int) -> str:
    """Whether ``address:port`` accepts a connection from the host."""
    try:
        socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        if not local_name(address):
            return "unresolved"
        address = "127.0.0.1"
    try:
        with socket.create_connection((address, port), timeout=TIMEOUT):
            return "open"
    except socket.gaierror:
        return "unresolved"
    except ConnectionRefusedError:
        return "refused"
    except TimeoutError:
        return "timeout"
    except OSError:
        return "unreachable"


def host_outcomes(checks: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Several host connections at once."""
    todo = list(checks)
    with ThreadPoolExecutor(16) as pool:
        return dict(zip(todo, pool.map(lambda c: host_outcome(*c), todo), strict=True))
