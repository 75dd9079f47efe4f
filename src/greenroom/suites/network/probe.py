"""What the engine shows of a replica's network, and connections tried from inside it.

A probe container (greenroom's python image, no registry needed) joins the network namespace of
one of a source's running containers (or, when none runs, exactly the networks its containers
are on, at the fixed addresses of an exited one-shot task), then tries every port of every other
container by name and by each of its addresses; a closed port refuses or times out within a
second. Host exposure is tried from the host, on loopback and on an address of the host that is
not loopback.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from greenroom.errors import EngineError
from greenroom.runtime.netview import Box, isolation

PROBE_LABEL = "dev.greenroom.probe"
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


def _full(project: str, network: str) -> str:
    """The engine's name of a network: the replica's own carry the project's prefix."""
    owned = _api().networks(names=[f"{project}_{network}"])
    return (
        f"{project}_{network}"
        if any(n["Name"] == f"{project}_{network}" for n in owned)
        else network
    )


def network_options(project: str, names: Iterable[str]) -> dict[str, tuple[bool, bool]]:
    """Short network name -> (internal, NAT) as the engine has it."""
    out: dict[str, tuple[bool, bool]] = {}
    for name in sorted(set(names)):
        out[name] = isolation(_api().inspect_network(_full(project, name)))
    return out


def remove_leftover_probes(project: str) -> None:
    """Probes an interrupted run left behind: they hold addresses (a one-shot task's fixed one)
    and keep networks in use."""
    api = _api()
    for found in api.containers(all=True, filters={"label": f"{PROBE_LABEL}={project}"}):
        api.remove_container(found["Id"], force=True)


@contextmanager
def _probe(
    project: str,
    networks: Iterable[str],
    image: str,
    inside: str = "",
    addresses: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """A sleeping container in the network namespace of container ``inside`` (its addresses, so
    the reach rules that name it apply), or else on exactly ``networks``, at ``addresses`` where
    given (network -> address); removed on the way out."""
    from docker.errors import DockerException

    short = list(networks)
    names = [_full(project, n) for n in short]
    at = {full: (addresses or {}).get(n) or None for n, full in zip(short, names, strict=True)}
    api = _api()
    config = api.create_host_config(network_mode=f"container:{inside}" if inside else names[0])
    endpoint = (
        None
        if inside or not at[names[0]]
        else api.create_networking_config(
            {names[0]: api.create_endpoint_config(ipv4_address=at[names[0]])}
        )
    )
    created = api.create_container(
        image,
        command=["python", "-c", "import time; time.sleep(600)"],
        labels={PROBE_LABEL: project},
        host_config=config,
        networking_config=endpoint,
        name=f"{project}-probe-{uuid.uuid4().hex[:8]}",
    )
    probe = str(created["Id"])
    try:
        try:
            for name in [] if inside else names[1:]:
                api.connect_container_to_network(probe, name, ipv4_address=at[name])
            api.start(probe)
        except DockerException as exc:
            raise EngineError(
                "the engine would not start a network probe",
                details=str(exc)[-500:],
                hint="an `up` running meanwhile may hold the address of a one-shot task the probe "
                "takes; run the suite again once it is done",
            ) from exc
        yield probe
    finally:
        api.remove_container(probe, force=True)


def attempts_from(
    project: str,
    networks: Iterable[str],
    targets: Iterable[Box],
    ports: Mapping[str, Iterable[int]],
    inside: str = "",
    addresses: Mapping[str, str] | None = None,
) -> list[Attempt]:
    """Connections to each target's ports, by name and address, from inside container
    ``inside`` or else from a probe on ``networks`` (at ``addresses``, where given)."""
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
    with _probe(project, sorted(joined), CATALOG["python"].ref, inside, addresses) as probe:
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
