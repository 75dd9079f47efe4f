"""`inv drill failover ENV`: the primary killed under a writer, its read replica promoted and the
primary's name moved to it, so clients that connect by name reach the new primary.

Measured: acknowledged writes lost, RTO (the fault to the writer's next acknowledged write) and
when a client on a dependant's networks reaches the name again. Afterwards the old primary comes
back and the replica is cloned from it anew (`inv up`), as the model says; what was written to the
promoted replica during the drill is the drill's own and goes with it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from greenroom.drills import faults
from greenroom.drills.common import (
    Timeline,
    Writer,
    api,
    perform,
    postgres_of,
    psql,
    table,
    wait_for,
)
from greenroom.drills.sql import TABLE
from greenroom.errors import ConfigError, ReplicaError
from greenroom.suites.target import Target

PORT = 5432


@dataclass(frozen=True)
class FailoverDrill:
    """What the drill measured."""

    env: str
    acknowledged: int
    lost: int
    written_after: int
    rto_seconds: float
    name_seconds: float
    timeline: list[tuple[float, str]]

    def table(self) -> str:
        return table(
            f"failover drill of {self.env}",
            [
                ("acknowledged before the fault", str(self.acknowledged)),
                ("of those lost", str(self.lost)),
                ("acknowledged after it", str(self.written_after)),
                ("RTO", f"{self.rto_seconds:.1f} s (fault to the next write)"),
                ("name reaches the new primary", f"{self.name_seconds:.1f} s after the fault"),
            ],
            self.timeline,
        )

    def measures(self) -> dict[str, str]:
        return {
            "acknowledged_lost": str(self.lost),
            "rto_seconds": str(self.rto_seconds),
            "name_seconds": str(self.name_seconds),
        }

    def failure(self) -> str | None:
        if not self.lost:
            return None
        return f"failover drill of {self.env}: {self.lost} acknowledged write(s) lost"


def _host_port(box: dict[str, Any]) -> int:
    for port in box.get("Ports") or []:
        if port.get("PrivatePort") == PORT and port.get("PublicPort"):
            return int(port["PublicPort"])
    raise ReplicaError("the read replica publishes no operator port", hint="run `inv up` again")


def _move_name(project: str, box: dict[str, Any], service: str, name: str) -> list[str]:
    """Reconnect the promoted replica to the primary's internal networks with ``name`` as an
    alias (its operator network is left alone, so its host port stays)."""
    engine = api()
    moved = []
    for network, settings in sorted(
        engine.inspect_container(box["Id"])["NetworkSettings"]["Networks"].items()
    ):
        if not network.startswith(f"{project}_to-"):
            continue
        aliases = [a for a in settings.get("Aliases") or [] if a != box["Id"][:12]]
        engine.disconnect_container_from_network(box["Id"], network)
        wanted = list(dict.fromkeys([*aliases, service, name]))
        engine.connect_container_to_network(box["Id"], network, aliases=wanted)
        moved.append(network)
    return moved


def _name_answers(project: str, target: Target, name: str, box: dict[str, Any]) -> bool:
    """Whether a client on the networks of a part that depends on ``name`` connects to it."""
    from greenroom.runtime.netview import Box
    from greenroom.suites.network.probe import attempts_from

    dependant = next(
        (p for p, part in sorted(target.parts.items()) if name in part.depends_on()), None
    )
    if dependant is None:
        return True
    client = faults.containers(project, dependant)[0]
    networks = sorted(client["NetworkSettings"]["Networks"])
    short = [n.removeprefix(f"{project}_") for n in networks]
    here = api().inspect_container(box["Id"])["NetworkSettings"]["Networks"]
    promoted = Box(
        id=box["Id"],
        name=name,
        service=name,
        part=name,
        running=True,
        networks={
            n.removeprefix(f"{project}_"): str(v.get("IPAddress") or "") for n, v in here.items()
        },
    )
    attempts = attempts_from(project, short, [promoted], {name: [PORT]})
    return any(a.open and a.via == name for a in attempts)


def _after(writer: Writer) -> list[tuple[int, float]]:
    """The writes acknowledged since the writer first lost the primary."""
    return writer.acked_after(writer.failed_at) if writer.failed_at else []


def _rows(box: str, pg: Any) -> set[int]:
    text = psql(
        box, f"SELECT coalesce(string_agg(n::text, ','), '') FROM {TABLE}", pg.user, pg.database
    )
    return {int(n) for n in text.split(",") if n.strip().isdigit()}


def run_failover_drill(target: Target, project: str) -> FailoverDrill:
    """The drill on a running replica whose Postgres has a read replica."""
    name, pg = postgres_of(target)
    replica = f"{name}-replica"
    if not getattr(getattr(target.parts[name], "spec", None), "read_replica", False):
        raise ConfigError(
            f"{target.env}'s {name} has no read replica to fail over to",
            hint=f"set components.{name}.read_replica: true, or drill an environment that has one",
        )
    box = faults.containers(project, replica)[0]
    promoted = dataclasses.replace(pg, port=_host_port(box))
    clock = Timeline()
    with pg.connect() as conn:
        conn.autocommit = True
        conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        conn.execute(f"CREATE TABLE {TABLE} (n bigint PRIMARY KEY, at timestamptz DEFAULT now())")
    wait_for(
        "the replica to stream the writer's table",
        lambda: (
            psql(box["Id"], f"SELECT to_regclass('{TABLE}') IS NOT NULL", pg.user, pg.database)
            == "t"
        ),
    )
    writer = Writer([pg.connect, promoted.connect], patience=90)
    writer.start()
    clock.mark("writer started on the primary")
    time.sleep(2)
    try:
        with faults.killed(project, name) as fault:
            clock.mark(f"fault: {name} killed ({fault.wall})")
            answer = psql(box["Id"], "SELECT pg_promote(true, 60)", pg.user, pg.database)
            if answer != "t":
                raise ReplicaError(f"{replica} was not promoted: {answer}", hint="see its logs")
            clock.mark(f"{replica} promoted")
            moved = _move_name(project, box, replica, name)
            clock.mark(f"name {name} moved to {replica} on {', '.join(moved) or 'no network'}")
            wait_for(
                "a client to reach the name again",
                lambda: _name_answers(project, target, name, box),
            )
            name_seconds = fault.since()
            clock.mark(f"a client reaches {name} by name")
            wait_for("the writer's next acknowledged write", lambda: bool(_after(writer)))
            first = _after(writer)[0][1]
            clock.mark("the writer's first write on the new primary acknowledged")
            time.sleep(1)
            writer.stop.set()
            writer.join(timeout=10)
            kept = _rows(box["Id"], pg)
            broke = writer.failed_at or fault.at
            before = [n for n, t in writer.acked if t <= broke]
            after = _after(writer)
            clock.mark("rows counted on the new primary")
    finally:
        writer.stop.set()
    return FailoverDrill(
        env=target.env,
        acknowledged=len(before),
        lost=sum(1 for n in before if n not in kept),
        written_after=len(after),
        rto_seconds=round(first - fault.at, 2),
        name_seconds=round(name_seconds, 2),
        timeline=clock.events,
    )


def restore_topology(env_name: str, overrides: Sequence[str], project: str, target: Target) -> None:
    """The old primary is back; clone the replica from it anew, then drop the drill's table."""
    from docker.errors import NotFound

    from greenroom.runtime import up

    name, pg = postgres_of(target)
    replica = f"{name}-replica"
    engine = api()
    for box in faults.containers(project, replica):
        engine.remove_container(box["Id"], force=True)
    with suppress(NotFound):
        engine.remove_volume(f"{project}_{replica}-data")
    up(env_name, overrides=overrides)
    with pg.connect() as conn:
        conn.autocommit = True
        conn.execute(f"DROP TABLE IF EXISTS {TABLE}")


def drill_failover(env_name: str, overrides: Sequence[str] = ()) -> FailoverDrill:
    """Run the drill on ``env_name``'s replica, put the replica back as modelled, record it."""

    def run(target: Target, project: str) -> FailoverDrill:
        try:
            return run_failover_drill(target, project)
        finally:
            restore_topology(env_name, overrides, project, target)

    return perform("failover", env_name, overrides, run)
