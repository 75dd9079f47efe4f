"""Subnets for a replica's networks, from a pool of small ones.

Left to itself the engine gives every network a /16 (or a /20) from about thirty: a few replicas,
each with a network per zone and per reach rule, use them all up and the next `up` fails with
"could not find an available, non-overlapping IPv4 address pool". A replica's networks get /24s
from ``GREENROOM_SUBNET_POOL`` (default 172.16.0.0/16, beside the engine's own default pools)
instead: a network that exists keeps its subnet, a new one takes the first free /24 that overlaps
no network of the engine, searched from a point set by the project's name so that two replicas
coming up at the same moment rarely reach for the same one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from greenroom.errors import ConfigError, ReplicaError

POOL_VARIABLE = "GREENROOM_SUBNET_POOL"
DEFAULT_POOL = "172.16.0.0/16"
PREFIX = 24

Network = ipaddress.IPv4Network


def pool(environ: Mapping[str, str] | None = None) -> Network:
    """The pool from ``GREENROOM_SUBNET_POOL``, checked."""
    value = (os.environ if environ is None else environ).get(POOL_VARIABLE) or DEFAULT_POOL
    try:
        network = ipaddress.IPv4Network(value)
    except ValueError as exc:
        raise ConfigError(
            f"{POOL_VARIABLE}={value!r} is not an IPv4 network",
            hint=f"set it to a private range no other network of this host uses, with a prefix "
            f"of /{PREFIX} or shorter (e.g. {DEFAULT_POOL}), or unset it",
        ) from exc
    if network.prefixlen > PREFIX:
        raise ConfigError(
            f"{POOL_VARIABLE}={value} is smaller than one /{PREFIX}",
            hint=f"give a range of /{PREFIX} or wider (e.g. {DEFAULT_POOL})",
        )
    return network


def allocate(
    project: str,
    names: Iterable[str],
    existing: Mapping[str, Sequence[str]],
    within: Network,
) -> dict[str, str]:
    """Network name -> subnet for the project's networks; ``existing`` is every network of the
    engine (its full name -> its subnets)."""
    taken = [
        ipaddress.ip_network(subnet)
        for subnets in existing.values()
        for subnet in subnets
        if ipaddress.ip_network(subnet).version == 4
    ]
    candidates = list(within.subnets(new_prefix=PREFIX))
    start = int(hashlib.sha256(project.encode()).hexdigest(), 16) % len(candidates)
    order = candidates[start:] + candidates[:start]
    out: dict[str, str] = {}
    for name in sorted(names):
        own = existing.get(f"{project}_{name}")
        if own:
            out[name] = own[0]
            continue
        free = next((c for c in order if not any(c.overlaps(t) for t in taken)), None)
        if free is None:
            raise ReplicaError(
                f"no free /{PREFIX} left in {within} for network {name} of {project}",
                hint=f"remove replicas you no longer need (`inv down ENV`), or set "
                f"{POOL_VARIABLE} to a wider private range",
            )
        taken.append(free)
        out[name] = str(free)
    return out


def engine_networks() -> dict[str, list[str]]:
    """Every network of the engine, by name, with its subnets (one engine call)."""
    from greenroom.images.engine import api

    listed: list[dict[str, Any]] = api().networks()
    return {
        str(n.get("Name")): [
            str(c["Subnet"]) for c in ((n.get("IPAM") or {}).get("Config") or []) if "Subnet" in c
        ]
        for n in listed
    }
