"""Host ports of a replica: who publishes what, where and on which port (pure, deterministic)."""

from __future__ import annotations

from typing import Literal

from greenroom.components import Component, parts
from greenroom.errors import ConfigError
from greenroom.model.environment import Environment

Reach = Literal["public", "operator"]
"""`public`: all interfaces; `operator`: loopback only, for greenroom itself and its operator."""

MAX_PORT = 65535


def reach(env: Environment, name: str) -> Reach:
    """How the model entry ``name`` is reachable from the host, per `exposure.publish`."""
    exposure = env.exposure
    if exposure.publish == "all" or (exposure.publish == "listed" and name in exposure.services):
        return "public"
    return "operator"


def published(env: Environment) -> dict[str, tuple[Component, tuple[int, ...]]]:
    """Compose service -> (its component, the container ports that get a host port)."""
    out: dict[str, tuple[Component, tuple[int, ...]]] = {}
    for part in parts(env).values():
        for service, ports in part.container_ports().items():
            if ports:
                out[service] = (part, ports)
    return dict(sorted(out.items()))


def allocate_ports(env: Environment, shift: int | None = None) -> dict[str, dict[int, int]]:
    """Compose service -> container port -> host port: `port_base + port % 1000`, probing upward.

    A service with n replicas reserves n consecutive host ports (Compose publishes a range).
    The order is by service name then port, so the result depends only on the model and the
    replica namespace (``shift``, default: the current namespace's, clear of the user's ports).
    """
    from greenroom.paths import port_shift

    base = env.exposure.port_base + (port_shift() if shift is None else shift)
    taken: set[int] = set()
    out: dict[str, dict[int, int]] = {}
    for service, (part, ports) in published(env).items():
        width = max(part.replicas(), 1)
        for port in sorted(ports):
            host = base + port % 1000
            while any(h in taken for h in range(host, host + width)):
                host += 1
            if host + width - 1 > MAX_PORT:
                raise ConfigError(
                    f"no free host port for {service}:{port} above {base}",
                    hint="lower exposure.port_base so the replica's ports fit below 65536",
                )
            taken.update(range(host, host + width))
            out.setdefault(service, {})[port] = host
    return out
