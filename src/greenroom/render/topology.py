"""A replica's networks: one per target, holding it and what may reach it (its security group).

Parts share a network only where a rule admits one to the other, so a store is not reachable
from its neighbours in the zone. A part that publishes host ports but sits only on internal
networks gets an operator network of its own, without NAT when its zone is internal (no route
to the internet): the host reaches it through its loopback port, and nothing else is on it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from greenroom.components import Component, Fragment, parts
from greenroom.model.environment import Environment
from greenroom.model.reach import admissions

DOOR = "to-"
"""Prefix of a target's network: `to-postgres` holds postgres and what may reach it."""
OPERATOR = "ops-"
"""Prefix of a part's own network for its loopback operator ports (a part's containers share it:
a read replica reaches its primary by name on any network they share)."""
NO_NAT = "com.docker.network.bridge.enable_ip_masquerade"


@dataclass(frozen=True)
class Network:
    """One Compose network: internal (no route out), or without NAT (no route to the internet)."""

    name: str
    internal: bool = False
    nat: bool = True

    def compose(self) -> Fragment:
        if self.internal:
            return {"internal": True}
        return {} if self.nat else {"driver_opts": {NO_NAT: "false"}}


@dataclass(frozen=True)
class Topology:
    """The networks of a replica and, per model name, the networks its containers join."""

    networks: dict[str, Network]
    members: dict[str, tuple[str, ...]]

    def shared(self, a: str, b: str) -> tuple[str, ...]:
        """The networks both ``a`` and ``b`` are meant to be on."""
        return tuple(sorted(set(self.members.get(a, ())) & set(self.members.get(b, ()))))


def _internal(env: Environment, part: Component) -> bool:
    zone = env.zones.get(part.zone)
    return zone is not None and zone.internal


def topology(env: Environment, publishing: Collection[str]) -> Topology:
    """The networks of ``env``'s replica; ``publishing``: the model names with host ports."""
    everything = parts(env)
    joined: dict[str, set[str]] = {name: set() for name in everything}
    networks: dict[str, Network] = {}
    for target, sources in admissions(env).items():
        if sources:
            door = DOOR + target
            networks[door] = Network(door, internal=_internal(env, everything[target]))
            for name in (target, *sources):
                joined[name].add(door)
    for name, part in everything.items():
        routed = any(not networks[n].internal for n in joined[name])
        if name in publishing and not routed:
            own = OPERATOR + name
            networks[own] = Network(own, nat=not _internal(env, part))
            joined[name].add(own)
        elif not joined[name]:
            door = DOOR + name
            networks[door] = Network(door, internal=_internal(env, part))
            joined[name].add(door)
    return Topology(
        networks=dict(sorted(networks.items())),
        members={name: tuple(sorted(nets)) for name, nets in joined.items()},
    )
