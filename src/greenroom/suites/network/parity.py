"""Each topology property the model declares, and how the live replica bears it out.

A property is verified live, not emulable locally (with the reason), or failed (naming both ends
of a path that should be open or closed). The share verified is the replica's parity.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

from greenroom.components import Component, parts
from greenroom.model.environment import Environment
from greenroom.model.reach import Admissions, admissions, admits
from greenroom.render.ports import published, reach
from greenroom.render.topology import Topology, topology
from greenroom.runtime.netview import Box
from greenroom.suites.network.probe import Attempt, local_name

Kind = Literal["reach", "closed", "exposure", "internet", "domain", "absent"]
Verdict = Literal["verified", "not emulable", "failed"]
TARGET_PERCENT = 95.0
ANY_ADDRESS = "0.0.0.0"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Property:
    """One thing the model says about the network: a path open or closed, a port's exposure..."""

    kind: Kind
    source: str = ""
    target: str = ""
    service: str = ""
    port: int = 0
    detail: str = ""

    @property
    def id(self) -> str:
        if self.kind in ("reach", "closed"):
            return f"{self.kind}:{self.source}->{self.service}:{self.port}"
        if self.kind == "exposure":
            return f"exposure:{self.service}:{self.port}"
        return f"{self.kind}:{self.target or self.detail}"

    @property
    def text(self) -> str:
        if self.kind == "reach":
            return f"{self.source} connects to {self.service}:{self.port}"
        if self.kind == "closed":
            return f"{self.source} cannot connect to {self.service}:{self.port}"
        if self.kind == "exposure":
            where = "all interfaces" if self.detail == "public" else "loopback only"
            return f"{self.service}:{self.port} is published on {where}"
        if self.kind == "internet":
            return f"{self.target} (zone {self.detail}) has no route to the internet"
        if self.kind == "absent":
            return f"{self.target} runs in the replica"
        return f"domain {self.detail} reaches the public front door"


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str = ""


def _ports(part: Component) -> dict[str, tuple[int, ...]]:
    return {svc: ports for svc, ports in part.container_ports().items() if ports}


def _paths(table: Admissions, everything: Mapping[str, Component]) -> dict[str, Property]:
    """Each source -> target port: a path where the model admits it, else a closure. Without
    `allow_from` a target admits what talks to it, so every other path is closed too."""
    found: dict[str, Property] = {}
    sources = [name for name, part in everything.items() if part.replicas()]
    for t, part in everything.items():
        for svc, ports in _ports(part).items():
            for s in sources:
                if s == t:
                    continue
                for port in ports:
                    kind: Kind = "reach" if admits(table, s, t, port) else "closed"
                    prop = Property(kind, s, t, svc, port)
                    found[prop.id] = prop
    return found


def declared(env: Environment, absent: Mapping[str, str] | None = None) -> list[Property]:
    """Every network property ``env`` declares, in a stable order (pure: no engine needed).

    Paths the reach rules admit must connect and every other path between the parts must not
    (`model/reach.py`: `allow_from`, zone `egress`, or else what talks to a target); each
    published port has its exposure; members of internal zones have no route to the internet;
    public domains are not emulable locally.
    """
    everything = parts(env)
    found = _paths(admissions(env), everything)
    for svc, (part, ports) in published(env).items():
        for port in ports:
            prop = Property("exposure", target=part.name, service=svc, port=port)
            found[prop.id] = Property(**{**asdict(prop), "detail": reach(env, part.name)})
    for name, part in everything.items():
        zone = env.zones.get(part.zone)
        if zone is not None and zone.internal:
            prop = Property("internet", target=name, detail=part.zone)
            found[prop.id] = prop
    for domain in env.domains:
        prop = Property("domain", detail=domain)
        found[prop.id] = prop
    for name, why in (absent or {}).items():
        prop = Property("absent", target=name, detail=why)
        found[prop.id] = prop
    return sorted(found.values(), key=lambda p: p.id)


def expected_layout(env: Environment) -> Topology:
    """The networks the renderer gave each part (every part with host ports publishes)."""
    return topology(env, {part.name for part, _ in published(env).values()})


@dataclass
class Live:
    """What the probes found: containers, connection attempts per source, host and networks."""

    env: Environment
    boxes: list[Box]
    attempts: dict[str, list[tuple[frozenset[str], list[Attempt]]]] = field(default_factory=dict)
    """Source part -> each distinct set of networks its containers are on, with its attempts."""
    host: dict[tuple[str, int], str] = field(default_factory=dict)
    """(address, host port) -> outcome of a connection from the host."""
    gateway: str = ""
    """An address of the host that is not loopback."""
    networks: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    """Network -> (internal, NAT)."""
    guard_off: str = ""
    """Why the containers carry no reach rules (`runtime/guard.py`); "" when they do."""
    stand_ins: set[str] = field(default_factory=set)
    """Sources without a running container, probed from their networks instead."""
    absent: dict[str, str] = field(default_factory=dict)
    """Parts the replica runs without, and why (`model/absent.py`)."""

    def of(self, part: str) -> list[Box]:
        return [b for b in self.boxes if b.part == part]


def _why_shared(table: Admissions, s: str, t: str, network: str) -> str:
    if s in table.get(t, {}):
        return f"{s} may reach {t} on other ports"
    if t in table.get(s, {}):
        return f"{t} may reach {s}"
    door = network.removeprefix("to-")
    return f"both may reach {door}"


def _closed(prop: Property, live: Live, layout: Topology, table: Admissions) -> Judgement:
    targets = [b for b in live.of(prop.target) if b.service == prop.service]
    for networks, attempts in live.attempts.get(prop.source, []):
        opened = [a for a in attempts if a.service == prop.service and a.port == prop.port]
        opened = [a for a in opened if a.open]
        if not opened:
            continue
        vias = {a.via for a in opened}
        box = next(
            (b for b in targets if vias & set(b.networks.values())),
            targets[-1] if targets else None,
        )
        through = sorted(networks & set(box.networks)) if box else []
        expected = set(layout.shared(prop.source, prop.target))
        stray = [n for n in through if n not in expected]
        end = f"{prop.source} -> {prop.service}:{prop.port}"
        if stray:
            n = stray[0]
            wrong = prop.source if n not in layout.members.get(prop.source, ()) else prop.target
            return Judgement(
                "failed",
                f"{end} is open through network {n}, which {wrong} must not be on "
                f"(attached outside the model: `docker network disconnect` it, or `inv up` anew)",
            )
        n = through[0] if through else "?"
        shared = (
            f"{prop.source} and {prop.target} share network {n} by design "
            f"({_why_shared(table, prop.source, prop.target, n)})"
        )
        if prop.source in live.stand_ins:
            return Judgement(
                "not emulable",
                f"{shared}; {prop.source} has no running container, and the probe standing in "
                "for it on its networks is not one the reach rules name",
            )
        if live.guard_off:
            return Judgement(
                "not emulable",
                f"{shared}; a Docker network lets a member reach every port of another, and the "
                f"rules that refuse it are not applied: {live.guard_off}",
            )
        return Judgement(
            "failed",
            f"{end} is open through network {n}: {shared}, and the reach rules inside "
            f"{box.name if box else prop.target} that refuse {prop.source} are missing "
            f"(restarted or re-addressed since `inv up`?); run `inv up {live.env.name}` to apply "
            "them again",
        )
    return Judgement("verified")


def _reach(prop: Property, live: Live) -> Judgement:
    sets = live.attempts.get(prop.source, [])
    if not sets:
        return Judgement("failed", f"{prop.source} has no container to connect from")
    for _networks, attempts in sets:
        tried = [a for a in attempts if a.service == prop.service and a.port == prop.port]
        by_name = [a for a in tried if a.via == prop.service]
        if not by_name:
            return Judgement("failed", f"{prop.service} has no running container to connect to")
        if not any(a.open for a in by_name):
            outcome = by_name[0].outcome
            return Judgement(
                "failed", f"{prop.source} -> {prop.service}:{prop.port} should connect: {outcome}"
            )
    return Judgement("verified")


def _exposure(prop: Property, live: Live) -> Judgement:
    boxes = [b for b in live.of(prop.target) if b.service == prop.service and b.running]
    if not boxes:
        return Judgement("failed", f"{prop.service} has no running container")
    public = prop.detail == "public"
    want = ANY_ADDRESS if public else LOOPBACK
    for box in boxes:
        bound = box.bindings.get(prop.port)
        if bound is None:
            return Judgement("failed", f"{box.name}: port {prop.port} is not published")
        address, host_port = bound
        if address != want:
            return Judgement(
                "failed", f"{box.name}: port {prop.port} is published on {address}, not {want}"
            )
        if live.host.get((LOOPBACK, host_port)) != "open":
            return Judgement("failed", f"{prop.service}:{prop.port} does not answer on loopback")
        outside = live.host.get((live.gateway, host_port))
        if public and outside != "open":
            return Judgement(
                "failed", f"{prop.service}:{prop.port} does not answer on {live.gateway}"
            )
        if not public and outside == "open":
            return Judgement(
                "failed", f"{prop.service}:{prop.port} answers on {live.gateway}, not only loopback"
            )
    return Judgement("verified")


def _internet(prop: Property, live: Live) -> Judgement:
    for box in live.of(prop.target):
        for network in sorted(box.networks):
            internal, nat = live.networks.get(network, (False, True))
            if not internal and nat:
                return Judgement(
                    "failed", f"{box.name} is on network {network}, which routes out with NAT"
                )
    return Judgement("verified")


PUBLIC_DNS = (
    "a public DNS name, its certificate and any CDN or WAF in front of it exist only in the real "
    "environment"
)


def _domain(prop: Property, live: Live) -> Judgement:
    if not local_name(prop.detail):
        return Judgement("not emulable", PUBLIC_DNS)
    public = sorted(
        port
        for box in live.boxes
        for address, port in box.bindings.values()
        if address == ANY_ADDRESS
    )
    if not public:
        return Judgement(
            "failed", f"{prop.detail}: the replica publishes no port on all interfaces"
        )
    outcomes = {live.host.get((prop.detail, port)) for port in public}
    if "open" in outcomes:
        return Judgement("verified")
    return Judgement("failed", f"{prop.detail} does not reach any public port of the replica")


def judge(prop: Property, live: Live, layout: Topology, table: Admissions) -> Judgement:
    """How the live replica bears ``prop`` out."""
    if prop.kind == "reach":
        return _reach(prop, live)
    if prop.kind == "closed":
        return _closed(prop, live, layout, table)
    if prop.kind == "exposure":
        return _exposure(prop, live)
    if prop.kind == "internet":
        return _internet(prop, live)
    if prop.kind == "absent":
        return Judgement("not emulable", f"it cannot run on this machine: {prop.detail}")
    return _domain(prop, live)


def stray_networks(live: Live, layout: Topology) -> list[str]:
    """Each container on a network the model does not give it, or missing one it does."""
    found: list[str] = []
    for box in live.boxes:
        meant = set(layout.members.get(box.part, ()))
        for network in sorted(set(box.networks) - meant):
            found.append(f"{box.name} ({box.part}) is on network {network}, outside the model")
        for network in sorted(meant - set(box.networks)):
            found.append(f"{box.name} ({box.part}) is not on its network {network}")
    return found


@dataclass(frozen=True)
class Parity:
    """Every property with its judgement, and the share verified."""

    env: str
    rows: tuple[tuple[Property, Judgement], ...]

    def count(self, verdict: Verdict) -> int:
        return sum(1 for _, j in self.rows if j.verdict == verdict)

    @property
    def percent(self) -> float:
        return 100.0 * self.count("verified") / len(self.rows) if self.rows else 100.0

    def document(self) -> dict[str, object]:
        return {
            "env": self.env,
            "percent_verified": round(self.percent, 1),
            "verified": self.count("verified"),
            "not_emulable": self.count("not emulable"),
            "failed": self.count("failed"),
            "properties": [
                {"id": p.id, "property": p.text, "verdict": j.verdict, "reason": j.reason}
                for p, j in self.rows
            ],
        }

    def json(self) -> str:
        return json.dumps(self.document(), indent=2, sort_keys=True) + "\n"

    def table(self) -> str:
        """A plain-text report: one line a property, then the totals."""
        width = max((len(p.text) for p, _ in self.rows), default=10)
        lines = [f"network parity of {self.env}", ""]
        for prop, judged in self.rows:
            reason = f"  {judged.reason}" if judged.reason else ""
            lines.append(f"{prop.text:<{width}}  {judged.verdict}{reason}")
        lines += [
            "",
            f"{self.count('verified')} verified live, {self.count('not emulable')} not emulable "
            f"locally, {self.count('failed')} failed: {self.percent:.1f} % verified "
            f"(target {TARGET_PERCENT:g} %)",
        ]
        return "\n".join(lines) + "\n"


def parity(env: Environment, props: Iterable[Property], live: Live) -> Parity:
    """Judge every property against what the probes found."""
    layout, table = expected_layout(env), admissions(env)
    return Parity(env.name, tuple((p, judge(p, live, layout, table)) for p in props))
