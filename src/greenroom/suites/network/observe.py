"""Gather what the network suite judges: the replica's containers, probes from each source, the
host's view of every published port and the options of every network."""

from __future__ import annotations

from greenroom.components import parts
from greenroom.model.environment import Environment
from greenroom.runtime.netview import boxes
from greenroom.suites.network.parity import LOOPBACK, Live
from greenroom.suites.network.probe import (
    attempts_from,
    host_outcomes,
    local_name,
    network_options,
    remove_leftover_probes,
)


def observe(env: Environment, project: str) -> Live:
    """Probe the running replica ``project`` of ``env`` from inside and from the host."""
    from greenroom.images import ensure_images
    from greenroom.images.engine import bridge_gateway

    ensure_images(only=["python"], quiet=True)  # the probes' image
    remove_leftover_probes(project)
    everything = parts(env)
    found = boxes(project)
    live = Live(env=env, boxes=found, gateway=bridge_gateway())
    ports = {svc: p for part in everything.values() for svc, p in part.container_ports().items()}
    for name in everything:
        mine = [b for b in found if b.part == name]
        others = [b for b in found if b.part != name]
        for networks in sorted({frozenset(b.networks) for b in mine}, key=sorted):
            if not networks:
                continue
            inside = next((b.id for b in mine if b.running and set(b.networks) == networks), "")
            # An exited one-shot task keeps its fixed addresses: a probe takes them, and is the
            # task as far as the reach rules can tell.
            pinned = None
            if not inside:
                pinned = next(
                    (
                        dict(b.networks)
                        for b in mine
                        if set(b.networks) == networks and all(b.networks.values())
                    ),
                    None,
                )
            if not inside and pinned is None:
                live.stand_ins.add(name)
            live.attempts.setdefault(name, []).append(
                (
                    networks,
                    attempts_from(project, sorted(networks), others, ports, inside, pinned),
                )
            )
    bound = {port for b in found for _, port in b.bindings.values()}
    public = {port for b in found for address, port in b.bindings.values() if address != LOOPBACK}
    names = [d for d in env.domains if local_name(d)]
    live.host = host_outcomes(
        [(address, port) for port in sorted(bound) for address in (LOOPBACK, live.gateway)]
        + [(name, port) for port in sorted(public) for name in names]
    )
    live.networks = network_options(project, {n for b in found for n in b.networks})
    return live
