"""Who may reach whom: the model's reach rules (`allow_from`, zone `egress`) resolved and checked.

A target admits a source on some ports (or on every port it listens on). Without `allow_from` a
target admits what talks to it (depends on, routes to or scrapes it); a source in a zone with an
`egress` list is admitted only to the targets (or zones) that list names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from greenroom.components import Component, parts
from greenroom.model.problems import listing, suggest

if TYPE_CHECKING:
    from greenroom.model.environment import Environment
    from greenroom.model.refs import References
    from greenroom.model.types import AllowRule

Ports = tuple[int, ...] | None
"""The ports a source may connect to; None: every port the target listens on."""

Admissions = dict[str, dict[str, Ports]]
"""Target -> source -> ports, both model names, sorted."""


def listens(part: Component) -> tuple[int, ...]:
    """Every port any container of ``part`` listens on."""
    return tuple(sorted({p for ports in part.container_ports().values() for p in ports}))


def _rules(part: Component) -> list[AllowRule] | None:
    rules: list[AllowRule] | None = getattr(getattr(part, "spec", None), "allow_from", None)
    return rules


def talkers(everything: Mapping[str, Component]) -> dict[str, list[str]]:
    """Target -> the parts that talk to it, in name order."""
    found: dict[str, list[str]] = {name: [] for name in everything}
    for source, part in everything.items():
        for target in part.talks_to():
            if target in found and target != source and source not in found[target]:
                found[target].append(source)
    return found


def egress_allows(env: Environment, everything: Mapping[str, Component], s: str, t: str) -> bool:
    """Whether the zone of source ``s`` lets it open connections to ``t``."""
    zone = env.zones.get(everything[s].zone)
    allowed = zone.egress if zone is not None else None
    return allowed is None or t in allowed or everything[t].zone in allowed


def _named(env: Environment, everything: Mapping[str, Component], name: str, t: str) -> list[str]:
    """The sources a rule's `from` names: one part, or every member of a zone but the target."""
    if name in everything:
        return [name]
    return [n for n, part in everything.items() if part.zone == name and n != t]


def _merge(old: Ports, new: Ports) -> Ports:
    """Two rules for one source: the union of their ports (every port if either says so)."""
    if old is None or new is None:
        return None
    return tuple(sorted({*old, *new}))


def admissions(env: Environment) -> Admissions:
    """Every target's admitted sources and their ports, after the sources' zone egress."""
    everything = parts(env)
    spoken = talkers(everything)
    out: Admissions = {}
    for t, part in everything.items():
        rules = _rules(part)
        found: dict[str, Ports] = {}
        if not listens(part):
            out[t] = {}  # a one-shot dependency orders a start; nothing connects to it
            continue
        if rules is None:
            found = {s: None for s in spoken[t]}
        else:
            for rule in rules:
                for s in _named(env, everything, rule.source, t):
                    ports = tuple(sorted(set(rule.ports))) or None
                    found[s] = _merge(found[s], ports) if s in found else ports
        out[t] = {
            s: found[s] for s in sorted(found) if s != t and egress_allows(env, everything, s, t)
        }
    return out


def admits(table: Admissions, source: str, target: str, port: int) -> bool:
    """Whether ``target`` admits ``source`` on ``port``."""
    if source not in table.get(target, {}):
        return False
    ports = table[target][source]
    return ports is None or port in ports


def _section(env: Environment, name: str) -> str:
    return "components" if name in env.components else "services"


def _check_rules(c: References, everything: Mapping[str, Component]) -> None:
    env = c.env
    names = [*everything, *env.zones]
    for t, part in everything.items():
        rules = _rules(part)
        if rules is None:
            continue
        base = (_section(env, t), t, "allow_from")
        ports = listens(part)
        if rules and not ports:
            c.add(base, f"`{t}` listens on no port, so nothing connects to it; remove allow_from")
            continue
        for i, rule in enumerate(rules):
            where = (*base, i, "from")
            if rule.source == t:
                c.add(where, f"`{t}` reaches itself without a rule; remove this entry")
            elif rule.source not in names:
                c.add(
                    where,
                    f"allow_from of `{t}` names `{rule.source}`, which is no service, component "
                    f"or zone; declared: {listing(names)}{suggest(rule.source, names)}",
                )
            elif rule.source in everything and not egress_allows(env, everything, rule.source, t):
                zone = everything[rule.source].zone
                c.add(
                    where,
                    f"`{rule.source}` is in zone {zone}, whose egress does not let it reach `{t}`; "
                    f"add {t} to zones.{zone}.egress or remove this entry",
                )
            for k, port in enumerate(rule.ports):
                if port not in ports:
                    c.add(
                        (*base, i, "ports", k),
                        f"`{t}` does not listen on port {port}; its ports: "
                        f"{', '.join(map(str, ports))}",
                    )


def _check_egress(c: References, everything: Mapping[str, Component]) -> None:
    names = [*everything, *c.env.zones]
    for zone, spec in c.env.zones.items():
        for i, name in enumerate(spec.egress or []):
            if name not in names:
                c.add(
                    ("zones", zone, "egress", i),
                    f"egress of zone {zone} names `{name}`, which is no service, component or "
                    f"zone; declared: {listing(names)}{suggest(name, names)}",
                )


def _check_talkers(c: References, everything: Mapping[str, Component], table: Admissions) -> None:
    env = c.env
    for t, sources in talkers(everything).items():
        for s in sources:
            if s in table[t] or not listens(everything[t]):
                continue
            zone = everything[s].zone
            if not egress_allows(env, everything, s, t):
                c.add(
                    ("zones", zone, "egress"),
                    f"`{s}` (zone {zone}) talks to `{t}`, which this egress leaves out; add {t} "
                    f"(or its zone {everything[t].zone})",
                )
            else:
                c.add(
                    (_section(env, t), t, "allow_from"),
                    f"`{s}` talks to `{t}` (depends on, routes to or scrapes it), but no rule here "
                    f"admits it; add {{from: {s}}} or its zone {{from: {zone}}}",
                )


def check_reach(c: References) -> None:
    """Rules name what exists and ports the target listens on; everything that talks is admitted."""
    everything = parts(c.env)
    before = len(c.problems)
    _check_rules(c, everything)
    _check_egress(c, everything)
    if len(c.problems) == before:
        _check_talkers(c, everything, admissions(c.env))
