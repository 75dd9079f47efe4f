"""Host ports: is one free, and if not, who holds it (a process, or another replica's container)."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from greenroom.errors import PortInUseError

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def ephemeral_range(source: Path = EPHEMERAL_RANGE_FILE) -> range | None:
    """The ports the kernel hands to outgoing connections (Linux), or None where it does not say.

    A replica's host port in this range can be taken at any moment by any process's outgoing
    connection, so `up` may find it busy one run and free the next.
    """
    try:
        low, high = (int(part) for part in source.read_text().split())
    except (OSError, ValueError):
        return None
    return range(low, high + 1)


def port_is_free(port: int, host: str = "0.0.0.0") -> bool:
    """True when a listening socket could be bound on ``host:port`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_holder(port: int) -> str | None:
    """Who listens on ``port``: a container (with its Compose project) or a process."""
    container = _container_publishing(port)
    if container:
        return container
    return _process_listening(port)


def _container_publishing(port: int) -> str | None:
    from docker.errors import DockerException

    from greenroom.images.engine import api

    try:
        found = api().containers(filters={"publish": str(port)})
    except DockerException:
        return None
    if not found:
        return None
    name = str((found[0].get("Names") or ["?"])[0]).lstrip("/")
    project = (found[0].get("Labels") or {}).get("com.docker.compose.project", "")
    return f"container {name}" + (f" (Compose project {project})" if project else "")


def _process_listening(port: int) -> str | None:
    try:
        out = subprocess.run(
            ["ss", "-H", "-ltnp", f"sport = :{port}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in out.stdout.splitlines():
        if "users:((" in line:
            users = line.split("users:((", 1)[1]
            name = users.split(",", 1)[0].strip('"')
            pid = users.split("pid=", 1)[1].split(",", 1)[0] if "pid=" in users else "?"
            return f"process {name} (pid {pid})"
        if line.strip():
            return "another process"
    return None


def check_ports(
    wanted: Mapping[str, Mapping[int, int]],
    *,
    own: Iterable[int] = (),
    env_name: str,
) -> None:
    """Fail before start if any host port the replica needs is taken by someone else.

    ``own`` lists ports already published by this replica's own containers (a re-run of `up`).
    """
    mine = set(own)
    ephemeral = ephemeral_range()
    taken: list[str] = []
    outgoing = False
    for service in sorted(wanted):
        for container_port, host_port in sorted(wanted[service].items()):
            if host_port in mine or port_is_free(host_port):
                continue
            holder = port_holder(host_port)
            if holder is None and ephemeral and host_port in ephemeral and shutil.which("ss"):
                outgoing = True
                holder = (
                    "an outgoing connection (it is in the kernel's ephemeral port range, "
                    f"{ephemeral.start}-{ephemeral.stop - 1})"
                )
            taken.append(
                f"port {host_port} ({service}:{container_port}) is taken by "
                f"{holder or 'another process'}"
            )
    if taken:
        move = (
            f"`inv up {env_name} --set exposure.port_base=<free base>` "
            "(or set GREENROOM_EXPOSURE__PORT_BASE)"
        )
        hint = f"stop whatever holds them, or move this replica's ports: {move}"
        if outgoing and ephemeral is not None:
            hint = (
                "the kernel lends ports in its ephemeral range to outgoing connections at any "
                f"moment; give this replica a port base whose ports stay below {ephemeral.start}: "
                + move
            )
        raise PortInUseError(
            "host ports needed by the replica are already in use:\n  " + "\n  ".join(taken),
            hint=hint,
        )


def in_ephemeral_range(ports: Iterable[int]) -> list[int]:
    """Which of ``ports`` the kernel may lend to outgoing connections (sorted)."""
    ephemeral = ephemeral_range()
    return sorted(p for p in set(ports) if ephemeral is not None and p in ephemeral)
