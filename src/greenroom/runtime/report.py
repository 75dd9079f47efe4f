"""What a user reads about a running replica: endpoints and connection strings, and status."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from greenroom.components import parts
from greenroom.listing import Listing
from greenroom.progress import stdout_reserved
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


def endpoints_table(replica: Replica, *, show_secrets: bool = False) -> Listing:
    """The endpoints for a person: a table on a wide terminal, else one service per line."""
    table = Listing(_title(replica), ("service", "endpoint", "reach"))
    for name, url in endpoints(replica, show_secrets=show_secrets).items():
        table.add_row(name, url, _reach(replica, name))
    return table


def endpoints_document(replica: Replica, *, show_secrets: bool = False) -> dict[str, Any]:
    """The endpoints for a script (`up --json`): every service, `endpoint` null when it has none."""
    found = endpoints(replica, show_secrets=show_secrets)
    services = [
        {
            "name": name,
            "kind": part.kind,
            "endpoint": found.get(name),
            "reach": _reach(replica, name),
        }
        for name, part in parts(replica.env).items()
    ]
    return _document(replica, services)


def status_table(replica: Replica, containers: list[ContainerInfo]) -> Listing:
    """The containers for a person; every name, port and image ID printed whole."""
    table = Listing(
        _title(replica), ("service", "container", "state", "health", "ports", "image", "uptime")
    )
    for c in containers:
        style = "green" if c.ok else ("dim" if c.status == "exited" and not c.exit_code else "red")
        table.add_row(
            c.service,
            c.name,
            Text(_state(c), style=style),
            c.health or "-",
            ",".join(f"{h}->{p}" for p, h in sorted(c.ports.items())) or "-",
            _short_id(c.image),
            _uptime(c.created) if c.status == "running" else "-",
        )
    for name in sorted(replica.absent):
        table.add_row(name, "-", Text("left out", style="yellow"), "-", "-", "-", "-")
    return table


def status_document(
    replica: Replica,
    containers: list[ContainerInfo],
    problems: list[str],
    *,
    show_secrets: bool = False,
) -> dict[str, Any]:
    """The containers for a script (`status --json`): one entry per container, full image IDs."""
    kinds = _kinds(replica)
    found = endpoints(replica, show_secrets=show_secrets)
    services = []
    for c in containers:
        services.append(
            {
                "name": c.service,
                "kind": kinds.get(c.service),
                "container": c.name,
                "state": c.status,
                "exit_code": c.exit_code,
                "health": c.health,
                "ports": [{"container": p, "host": h} for p, h in sorted(c.ports.items())],
                "image": c.image,
                "uptime": _uptime(c.created) if c.status == "running" else None,
                "endpoint": found.get(c.service),
            }
        )
    return {
        **_document(replica, services),
        "healthy": not problems,
        "problems": problems,
        "absent": dict(replica.absent),
    }


def print_document(document: Mapping[str, Any]) -> None:
    """A JSON document on stdout, keys in a stable order, nothing else on that line."""
    print(json.dumps(document, indent=2), flush=True)


def up_json(
    env_name: str,
    *,
    overrides: Sequence[str] = (),
    show_secrets: bool = False,
    keep_on_failure: bool = False,
    timeout: float | None = None,
) -> Replica:
    """`up --json`: what `up` prints goes to stderr; stdout gets the endpoints as one document."""
    from greenroom.runtime.lifecycle import DEFAULT_TIMEOUT, up

    with stdout_reserved():
        replica = up(
            env_name,
            overrides=overrides,
            show_secrets=show_secrets,
            keep_on_failure=keep_on_failure,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        )
    print_document(endpoints_document(replica, show_secrets=show_secrets))
    return replica


def _document(replica: Replica, services: list[dict[str, Any]]) -> dict[str, Any]:
    return {"env": replica.env.name, "project": replica.project, "services": services}


def _title(replica: Replica) -> str:
    return f"{replica.env.name} replica ({replica.project})"


def _reach(replica: Replica, name: str) -> str:
    return "published" if reach(replica.env, name) == "public" else "operator (loopback)"


def _kinds(replica: Replica) -> dict[str, str]:
    """Compose service -> the kind of the part that runs it (`postgres-replica` too)."""
    kinds: dict[str, str] = {}
    for name, part in parts(replica.env).items():
        kinds[name] = part.kind
        for service in part.container_ports():
            kinds.setdefault(service, part.kind)
    return kinds


def _state(c: ContainerInfo) -> str:
    return c.status if c.status != "exited" else f"exited ({c.exit_code})"


def _short_id(image_id: str) -> str:
    """Docker's short form of an image ID (12 hex digits), which every docker command accepts."""
    return image_id.removeprefix("sha256:")[:12] or "-"


def _uptime(created: str) -> str:
    try:
        started = datetime.fromtimestamp(int(created), tz=UTC)
    except ValueError:
        return "?"
    seconds = int((datetime.now(UTC) - started).total_seconds())
    hours, rest = divmod(max(seconds, 0), 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


__all__ = [
    "endpoints",
    "endpoints_document",
    "endpoints_table",
    "print_document",
    "status_document",
    "status_table",
    "up_json",
]
