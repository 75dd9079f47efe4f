"""What a user reads about a running replica: endpoints and connection strings, and status."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.table import Table

from greenroom.components import parts
from greenroom.render.ports import reach
from greenroom.runtime.containers import ContainerInfo
from greenroom.runtime.replica import Replica


def endpoints(replica: Replica, *, show_secrets: bool = False) -> dict[str, str]:
    """Service -> how to reach it from the host (secrets masked unless asked)."""
    access = replica.access()
    out: dict[str, str] = {}
    for name, part in parts(replica.env).items():
        url = part.endpoint(access, show_secrets=show_secrets)
        if url:
            out[name] = url
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
