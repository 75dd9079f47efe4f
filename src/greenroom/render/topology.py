"""A replica's networks: one per target, holding it and what may reach it (its security group).

Parts share a network only where a rule admits one to the other, so a store is not reachable
from its neighbours in the zone. A part that publishes host ports but sits only on internal
networks joins the operator network: no NAT (no route to the internet) and no traffic between
its members, so the host reaches each through its loopback port and they do not reach each other.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from greenroom.components import Component, Fragment, parts
from greenroom.model.environment import Environment
from greenroom.model.reach import admissions

DOOR = "to-"
"""Prefix of a target's network: `to-postgres` holds postgres and what may reach it."""
OPERATOR = "operator"
"""The network through which the host reaches parts that sit only on internal networks."""
NO_NAT = "com.docker.network.bridge.enable_ip_masquerade"
NO_ICC = "com.docker.network.bridge.enable_icc"


@dataclass(frozen=True)
class Network:
    """One Compose network: internal (no route out), or without NAT (no route to the internet)
    and without traffic between its members."""

    name: str
    internal: bool = False
    nat: bool = True
    peers: bool = True

    def compose(self) -> Fragment:
        if self.internal:
            return {"internal": True}
        options = {NO_NAT: "false"} if not self.nat else {}
        options |= {NO_ICC: "false"} if not self.peers else {}
        return {"driver_opts": options} if options else {}


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
            networks[OPERATOR] = Network(OPERATOR, nat=False, peers=False)
            joined[name].add(OPERATOR)
        elif not joined[name]:
            door = DOOR + name
            networks[door] = Network(door, internal=_internal(env, part))
            joined[name].add(door)
    return Topology(
        networks=dict(sorted(networks.items())),
        members={name: tuple(sorted(nets)) for name, nets in joined.items()},
    )
