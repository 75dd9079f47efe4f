"""What a user reads about a running replica: endpoints and connection strings, and status."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.table import Table

from greenroom.model.types import Aws, Ingress, Nats, Postgres, Redis
from greenroom.render.ports import reach
from greenroom.runtime.containers import ContainerInfo
from greenroom.runtime.probes import emulator_port
from greenroom.runtime.replica import Replica

MASK = "****"


def endpoints(replica: Replica, *, show_secrets: bool = False) -> dict[str, str]:
    """Service -> how to reach it from the host (secrets masked unless asked)."""
    access = replica.access()
    host = access.host
    out: dict[str, str] = {}

    def secret(name: str) -> str:
        return access.secret(name) if show_secrets else MASK

    for name, spec in sorted(replica.env.components.items()):
        ports = replica.host_ports.get(name, {})
        if isinstance(spec, Postgres) and 5432 in ports:
            out[name] = (
                f"postgresql://{spec.user}:{secret(spec.password.secret)}@{host}:{ports[5432]}"
                f"/{spec.database}"
            )
        elif isinstance(spec, Redis) and 6379 in ports:
            auth = f":{secret(spec.password.secret)}@" if spec.auth and spec.password else ""
            out[name] = f"redis://{auth}{host}:{ports[6379]}/0"
        elif isinstance(spec, Nats) and 4222 in ports:
            out[name] = f"nats://{host}:{ports[4222]}"
        elif isinstance(spec, Aws) and emulator_port(spec) in ports:
            out[name] = (
                f"http://{host}:{ports[emulator_port(spec)]} ({spec.emulator}, {spec.region})"
            )
        elif isinstance(spec, Ingress) and spec.port in ports:
            out[name] = f"http://{host}:{ports[spec.port]}/"
    for name, service in sorted(replica.env.services.items()):
        ports = replica.host_ports.get(name, {})
        if service.port and service.port in ports:
            out[name] = f"http://{host}:{ports[service.port]}"
    return out


def endpoints_table(replica: Replica, *, show_secrets: bool = False) -> Table:
    table = Table(title=f"{replica.env.name} replica ({replica.project})", title_justify="left")
    table.add_column("service")
    table.add_column("endpoint")
    table.add_column("reach")
    for name, url in endpoints(replica, show_secrets=show_secrets).items():
        how = "published" if reach(replica.env, name) == "public" else "operator (loopback)"
        table.add_row(name, url, how)
    return table


def status_table(replica: Replica, containers: list[ContainerInfo]) -> Table:
    table = Table(title=f"{replica.env.name} replica ({replica.project})", title_justify="left")
    for column in ("service", "container", "state", "health", "ports", "image", "uptime"):
        table.add_column(column)
    for c in containers:
        health = c.health or "-"
        style = "green" if c.ok else ("dim" if c.status == "exited" and not c.exit_code else "red")
        state = c.status if c.status != "exited" else f"exited ({c.exit_code})"
        ports = ", ".join(f"{h}->{p}" for p, h in sorted(c.ports.items())) or "-"
        table.add_row(
            c.service,
            c.name,
            f"[{style}]{state}[/]",
            health,
            ports,
            c.image[:19],
            _uptime(c.created) if c.status == "running" else "-",
        )
    return table


def _uptime(created: str) -> str:
    try:
        started = datetime.fromtimestamp(int(created), tz=UTC)
    except ValueError:
        return "?"
    seconds = int((datetime.now(UTC) - started).total_seconds())
    hours, rest = divmod(max(seconds, 0), 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


__all__ = ["endpoints", "endpoints_table", "status_table"]
