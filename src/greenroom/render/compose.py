"""The Compose project of an environment: a pure function of the model and a render context."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from greenroom.components import Component, Fragment, RenderContext, parts
from greenroom.components.base import limits, one_shot
from greenroom.errors import ConfigError
from greenroom.model.environment import Environment
from greenroom.model.refs import OPS
from greenroom.render.override import merge_override
from greenroom.render.ports import allocate_ports, published, reach
from greenroom.render.topology import Network, Topology, topology
from greenroom.secrets import variable

__all__ = [
    "COMPOSE_FILE",
    "OPS",
    "RenderContext",
    "RenderedProject",
    "allocate_ports",
    "dump",
    "render_project",
]

COMPOSE_FILE = "compose.yaml"

LABEL = "dev.greenroom"


@dataclass(frozen=True)
class RenderedProject:
    """What a render produces: relative path -> text, `compose.yaml` among them."""

    files: dict[str, str] = field(default_factory=dict)

    @property
    def compose(self) -> str:
        return self.files[COMPOSE_FILE]


class _Dumper(yaml.SafeDumper):
    """Plain YAML without anchors, so the same input always gives the same bytes."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(document: Any) -> str:
    """YAML with sorted keys and no aliases: byte-stable for equal inputs."""
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=4096,
    )


def _ports(env: Environment, name: str, service: str, ctx: RenderContext) -> list[Fragment]:
    hosts = ctx.host_ports.get(service, {})
    if not hosts:
        return []
    part, ports = published(env)[service]
    width = max(part.replicas(), 1)
    host_ip = "0.0.0.0" if reach(env, name) == "public" else "127.0.0.1"
    out = []
    for port in ports:
        if port not in hosts:
            continue
        first = hosts[port]
        out.append(
            {
                "target": port,
                "published": str(first) if width == 1 else f"{first}-{first + width - 1}",
                "host_ip": host_ip,
                "protocol": "tcp",
            }
        )
    return out


def publishing(env: Environment, ctx: RenderContext) -> set[str]:
    """The model names with a Compose service that gets host ports."""
    return {
        name
        for name, part in parts(env).items()
        if any(ctx.host_ports.get(service) for service in part.container_ports())
    }


def _service(
    env: Environment,
    ctx: RenderContext,
    everything: dict[str, Component],
    networks: Topology,
    name: str,
    service: str,
    fragment: Fragment,
) -> Fragment:
    """Add what is generic to every service: networks, ports, labels, dependencies, limits."""
    part = everything[name]
    out = {key: value for key, value in fragment.items() if value not in ({}, [], None)}
    ports = _ports(env, name, service, ctx)
    if ports:
        out["ports"] = ports
    out["networks"] = list(networks.members[name])
    out["labels"] = {
        f"{LABEL}.env": env.name,
        f"{LABEL}.project": env.project,
        f"{LABEL}.component": name,
        f"{LABEL}.kind": part.kind,
    }
    depends = dict(out.get("depends_on", {}))
    for target in part.depends_on():
        depends[target] = {"condition": everything[target].readiness()}
    if depends:
        out["depends_on"] = depends
    resource_limits = limits(getattr(getattr(part, "spec", None), "resources", None))
    if resource_limits:
        deploy = dict(out.get("deploy", {}))
        deploy["resources"] = {"limits": resource_limits}
        out["deploy"] = deploy
    return out


def _network(network: Network, subnet: str | None) -> Fragment:
    """A network's Compose entry; with a subnet, the engine hands out addresses from its lower
    half only, and the upper half holds the fixed addresses of one-shot tasks (`pinned`)."""
    fragment = network.compose()
    if not subnet:
        return fragment
    lower = next(ipaddress.ip_network(subnet).subnets(prefixlen_diff=1))
    return fragment | {"ipam": {"config": [{"subnet": subnet, "ip_range": str(lower)}]}}


def _pin_one_shots(
    everything: Mapping[str, Component],
    made: Mapping[str, list[str]],
    services: dict[str, Fragment],
    subnets: Mapping[str, str],
) -> None:
    """Give each one-shot task (a migration) with a single container its fixed address on each of
    its networks, once the runtime has chosen their subnets."""
    tasks = sorted(
        service
        for name, part in everything.items()
        if one_shot(part) and part.replicas() == 1
        for service in made.get(name, [])
    )
    for index, service in enumerate(tasks):
        networks = services[service]["networks"]
        if networks and all(n in subnets for n in networks):
            services[service]["networks"] = {
                n: {"ipv4_address": pinned(subnets[n], index)} for n in networks
            }


def pinned(subnet: str, index: int) -> str:
    """The fixed address of the ``index``-th one-shot task in ``subnet``: counted down from its
    last host address, above the range the engine hands out.

    A task that has exited keeps this address in its configuration, so the reach rules of the
    others can name it, and the network suite can probe from it; containers that keep their rules
    across an `up` refuse the task while it runs again.
    """
    network = ipaddress.IPv4Network(subnet)
    address = network.broadcast_address - 1 - index
    if address in next(network.subnets(prefixlen_diff=1)):
        raise ConfigError(
            f"{subnet} has no room for {index + 1} one-shot task(s) above the addresses the "
            "engine hands out",
            hint="give the replica larger subnets (GREENROOM_SUBNET_POOL) or fewer one-shot tasks",
        )
    return str(address)


def render_project(env: Environment, ctx: RenderContext) -> RenderedProject:
    """The Compose project (and its generated config files) of ``env``; no I/O, byte-stable."""
    everything = parts(env)
    layout = topology(env, publishing(env, ctx))
    services: dict[str, Fragment] = {}
    files: dict[str, str] = {}
    volumes: set[str] = set()
    made: dict[str, list[str]] = {}
    for name, part in everything.items():
        for service, fragment in part.services(env, ctx).items():
            services[service] = _service(env, ctx, everything, layout, name, service, fragment)
            made.setdefault(name, []).append(service)
        files |= part.files(env)
        volumes |= set(part.volumes())
    _pin_one_shots(everything, made, services, ctx.subnets)
    networks = {
        name: _network(network, ctx.subnets.get(name)) for name, network in layout.networks.items()
    }
    document: Fragment = {"name": ctx.project, "services": services, "networks": networks}
    if volumes:
        document["volumes"] = {volume: {} for volume in volumes}
    secrets = sorted({s for spec in services.values() for s in spec.get("secrets", [])})
    if secrets:
        # Compose copies environment-sourced secrets into each container, readable by its user;
        # the values come from greenroom's 0600 env file, never from this file.
        document["secrets"] = {s: {"environment": variable(s)} for s in secrets}
    if ctx.compose_override:
        source = f"compose/{env.name}.override.yaml"
        document = merge_override(document, ctx.compose_override, source=source)
    header = (
        f"# The {env.name} replica of {env.project}, rendered by greenroom: change envs/ or\n"
        f"# compose/{env.name}.override.yaml rather than this file.\n"
    )
    files[COMPOSE_FILE] = header + dump(document)
    return RenderedProject(files=dict(sorted(files.items())))
