"""`inv doctor`: is this machine ready to run replicas? Each failing check prints its own fix.

The probes are injectable so the logic is unit-tested with a stopped engine or a missing Compose;
the default probes ask the real engine, filesystem and sockets.
"""

from __future__ import annotations

import errno
import shutil
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from greenroom.errors import ConfigError, GreenroomError

DEFAULT_PORTS: tuple[int, ...] = (5432, 6379, 4222, 4566, 8080)
MIN_FREE_BYTES = 5 * 1024**3
SKIPPED = "skipped: the engine is unreachable"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table; ``ok=None`` means it could not run (another check failed)."""

    name: str
    ok: bool | None
    detail: str
    fix: str = ""


def _engine_version() -> str:
    from greenroom.images.engine import server_version

    return server_version()


def _compose_version() -> tuple[int, int, int] | None:
    from greenroom.tooling.compose import compose_version

    return compose_version()


def _docker_root() -> Path:
    from greenroom.images.engine import info

    return Path(info("DockerRootDir"))


def _image_present(ref: str) -> bool:
    from greenroom.images.engine import image_id

    return image_id(ref) is not None


def _free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def _cache_dir() -> Path:
    from greenroom.paths import cache_dir

    return cache_dir()


def port_free(port: int, host: str = "0.0.0.0") -> bool:
    """True when nothing listens on ``port`` (Docker's port publishing would fail otherwise)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def parse_ports(values: Sequence[str]) -> tuple[int, ...]:
    """Ports given on the command line, checked: a clear error for anything but 1-65535."""
    ports = []
    for value in values:
        if not value.strip().isdigit() or not 0 < int(value) < 65536:
            raise ConfigError(
                f"--port {value!r} is not a TCP port",
                hint="pass a number from 1 to 65535, e.g. --port 5432",
            )
        ports.append(int(value))
    return tuple(ports)


@dataclass(frozen=True)
class Probes:
    """How the doctor looks at the machine; tests replace single probes with fakes."""

    engine_version: Callable[[], str] = _engine_version
    compose_version: Callable[[], tuple[int, int, int] | None] = _compose_version
    docker_root: Callable[[], Path] = _docker_root
    cache_dir: Callable[[], Path] = _cache_dir
    free_bytes: Callable[[Path], int] = _free_bytes
    image_present: Callable[[str], bool] = _image_present
    which: Callable[[str], str | None] = shutil.which
    port_free: Callable[[int], bool] = port_free
    own_port: Callable[[int], bool] = lambda port: False
    """True for a port the checked replica's own containers publish (busy, and rightly so)."""
    images: Sequence[tuple[str, str]] = field(default_factory=lambda: _catalog_refs())
    optional: Mapping[str, str] = field(default_factory=lambda: _registry_only())
    """Image name -> its upstream, for images greenroom cannot build: missing is not a fault."""


def _catalog_refs() -> list[tuple[str, str]]:
    from greenroom.images.catalog import CATALOG

    return [(spec.name, spec.ref) for spec in CATALOG.values()]


def _registry_only() -> dict[str, str]:
    from greenroom.images.catalog import CATALOG

    return {spec.name: spec.upstream for spec in CATALOG.values() if spec.registry_only}


def run_checks(ports: Sequence[int] = DEFAULT_PORTS, probes: Probes | None = None) -> list[Check]:
    """Every check, in the order a person would fix them."""
    probes = probes or Probes()
    checks: list[Check] = []
    engine_ok = _check_engine(probes, checks)
    _check_compose(probes, checks)
    _check_disk(probes, checks, engine_ok)
    for name, ref in probes.images:
        if not engine_ok:
            checks.append(Check(f"image {name}", None, SKIPPED))
        elif probes.image_present(ref):
            checks.append(Check(f"image {name}", True, ref))
        elif name in probes.optional:
            checks.append(
                Check(
                    f"image {name}",
                    True,
                    "not on this machine: greenroom cannot build it, so replicas that use it run "
                    f"without it (`docker pull {probes.optional[name]}`, tagged {ref}, adds it)",
                )
            )
        else:
            checks.append(
                Check(
                    f"image {name}",
                    False,
                    f"{ref} is missing",
                    f"inv images --only {name}   (or `inv images` for all)",
                )
            )
    if probes.which("debootstrap"):
        checks.append(Check("debootstrap", True, "present (local image builds)"))
    else:
        checks.append(
            Check(
                "debootstrap",
                False,
                "missing: local image builds need it",
                "apt-get install debootstrap   (or ./scripts/bootstrap)",
            )
        )
    for port in ports:
        if probes.port_free(port):
            checks.append(Check(f"port {port}", True, "free"))
        elif probes.own_port(port):
            checks.append(Check(f"port {port}", True, "published by this project's replica"))
        else:
            checks.append(
                Check(
                    f"port {port}",
                    False,
                    "in use on this host",
                    f"free it (`ss -ltnp 'sport = :{port}'` shows who holds it) or "
                    "change the replica's host port",
                )
            )
    return checks


def _check_engine(probes: Probes, checks: list[Check]) -> bool:
    try:
        version = probes.engine_version()
    except GreenroomError as exc:
        last = exc.details.splitlines()[-1] if exc.details else ""
        detail = f"{exc.message}: {last}" if last else exc.message
        checks.append(Check("docker engine", False, detail, exc.hint or ""))
        return False
    checks.append(Check("docker engine", True, f"reachable, version {version}"))
    return True


def _check_compose(probes: Probes, checks: list[Check]) -> None:
    version = probes.compose_version()
    if version is None:
        checks.append(
            Check(
                "compose v2",
                False,
                "`docker compose` is missing or not v2",
                "greenroom install-compose   (or ./scripts/bootstrap)",
            )
        )
    else:
        checks.append(Check("compose v2", True, ".".join(map(str, version))))


def _check_disk(probes: Probes, checks: list[Check], engine_ok: bool) -> None:
    places: list[tuple[str, Path | None]] = [
        ("disk docker root", probes.docker_root() if engine_ok else None),
        ("disk cache dir", probes.cache_dir()),
    ]
    for name, path in places:
        if path is None:
            checks.append(Check(name, None, SKIPPED))
            continue
        if not path.exists():
            checks.append(Check(name, None, f"{path} is not on this host (remote engine)"))
            continue
        free = probes.free_bytes(path)
        detail = f"{free / 1024**3:.1f} GiB free in {path}"
        if free >= MIN_FREE_BYTES:
            checks.append(Check(name, True, detail))
        else:
            checks.append(
                Check(
                    name,
                    False,
                    f"{detail} (need {MIN_FREE_BYTES // 1024**3} GiB)",
                    f"docker system prune   (and remove old caches in {probes.cache_dir()})",
                )
            )


def render(checks: Sequence[Check]) -> Table:
    """The doctor's table: one row per check, the fix beside each failure."""
    table = Table(title="greenroom doctor", header_style="bold", show_lines=False)
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail")
    table.add_column("fix")
    for check in checks:
        status = {True: "[green]ok[/]", False: "[red]FAIL[/]", None: "[yellow]skip[/]"}[check.ok]
        table.add_row(check.name, status, check.detail, check.fix)
    return table


def replica_ports(env_name: str) -> tuple[tuple[int, ...], Callable[[int], bool]] | None:
    """The host ports ENV's replica of the current project needs, and which its own containers
    hold; None outside a project (or when ENV does not load)."""
    from greenroom.runtime.containers import bound_ports, project_containers
    from greenroom.runtime.replica import Replica

    try:
        replica = Replica.open(env_name)
    except GreenroomError:
        return None
    ports = tuple(sorted({host for held in replica.host_ports.values() for host in held.values()}))
    try:
        own = set(bound_ports(project_containers(replica.project)))
    except GreenroomError:
        own = set()
    return ports, own.__contains__


def run_doctor(ports: Sequence[int] = DEFAULT_PORTS, probes: Probes | None = None) -> list[Check]:
    """Print the checks as a table; raise (non-zero exit) when any failed."""
    checks = run_checks(ports, probes)
    Console(highlight=False, width=160 if not _is_tty() else None).print(render(checks))
    failed = [c for c in checks if c.ok is False]
    if failed:
        raise GreenroomError(
            f"{len(failed)} check(s) failed: {', '.join(c.name for c in failed)}",
            hint="run the fix shown beside each failed check, then `inv doctor` again",
        )
    return checks


def _is_tty() -> bool:
    import sys

    return sys.stdout.isatty()
