"""Cross-references a schema cannot check: names that must point at something declared elsewhere."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel

from greenroom.components import parts
from greenroom.model.environment import Environment
from greenroom.model.problems import KeyPath, Problem, format_path, listing, suggest
from greenroom.model.reach import check_reach
from greenroom.model.types import SecretRef
from greenroom.model.validate import Locator

OPS = "ops"
"""The zone through which greenroom and its operator reach services on loopback ports."""


class References:
    """Collects the problems of one environment; each component kind adds its own checks."""

    def __init__(self, env: Environment, where: Locator, envs: Sequence[str]) -> None:
        self.env, self.where, self.envs = env, where, envs
        self.problems: list[Problem] = []

    def add(self, path: KeyPath, message: str) -> None:
        self.problems.append(Problem(self.where.value(path), format_path(path), message))

    def missing(
        self, path: KeyPath, what: str, kind: str, name: str, declared: Sequence[str]
    ) -> None:
        kinds = "services and components" if kind == "service or component" else f"{kind}s"
        self.add(
            path,
            f"{what} points at {kind} `{name}`, which is not declared; "
            f"declared {kinds}: {listing(declared)}{suggest(name, declared)}",
        )

    def unique(self, path: KeyPath, kind: str, names: Sequence[str]) -> None:
        for name, count in Counter(names).items():
            if count > 1:
                index = [i for i, n in enumerate(names) if n == name][-1]
                self.add((*path, index, "name"), f"{kind} `{name}` is declared {count} times")


def _secret_refs(node: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(node, SecretRef):
        yield (*path, "secret"), node.secret
    elif isinstance(node, BaseModel):
        for name, field in type(node).model_fields.items():
            yield from _secret_refs(getattr(node, name), (*path, field.alias or name))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _secret_refs(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _secret_refs(value, (*path, index))


def _namespace(c: References) -> None:
    for name in sorted(set(c.env.components) & set(c.env.services)):
        c.add(
            ("services", name),
            f"`{name}` is both a component and a service; rename one of them: components and "
            "services share one namespace",
        )


def _zones(c: References) -> None:
    ops = c.env.zones.get(OPS)
    if ops is not None and ops.internal:
        c.add(
            ("zones", OPS, "internal"),
            f"zone {OPS} is internal, so operator ports could not be published through it; set "
            f"zones.{OPS}.internal: false (it is how greenroom reaches the replica)",
        )
    zones = list(c.env.zones)
    for section, items in (("services", c.env.services), ("components", c.env.components)):
        for name, item in items.items():
            if item.zone not in c.env.zones:
                c.missing(
                    (section, name, "zone"), f"{section[:-1]} `{name}`", "zone", item.zone, zones
                )


def _dependencies(c: References) -> None:
    targets = [*c.env.services, *c.env.components]
    for name, service in c.env.services.items():
        for i, target in enumerate(service.depends_on):
            path = ("services", name, "depends_on", i)
            if target == name:
                c.add(path, f"service `{name}` depends on itself")
            elif target not in targets:
                c.missing(path, f"service `{name}`", "service or component", target, targets)
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in c.env.services[name].depends_on:
            if target == name or target not in c.env.services:
                continue
            if state.get(target) == 1:
                cycle = [*trail[trail.index(target) :], target]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    c.add(
                        ("services", name, "depends_on"), f"dependency cycle: {' -> '.join(cycle)}"
                    )
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for name in c.env.services:
        if name not in state:
            visit(name, [name])


def _secrets(c: References) -> None:
    declared = list(c.env.secrets)
    for path, name in _secret_refs(c.env, ()):
        if name not in declared:
            c.missing(path, format_path(path[:-1]), "secret", name, declared)
    for service_name, service in c.env.services.items():
        for var, name in service.secrets.items():
            if name not in declared:
                c.missing(
                    ("services", service_name, "secrets", var),
                    f"`{var}` of service `{service_name}`",
                    "secret",
                    name,
                    declared,
                )


def _exposure_and_promotion(c: References) -> None:
    targets = [*c.env.services, *c.env.components]
    for i, name in enumerate(c.env.exposure.services):
        if name not in targets:
            c.missing(
                ("exposure", "services", i), "exposure", "service or component", name, targets
            )
    source = c.env.promotion.from_env
    if source == c.env.name:
        c.add(("promotion", "from"), f"environment `{source}` cannot promote from itself")
    elif source is not None and source not in c.envs:
        c.missing(("promotion", "from"), "promotion", "environment", source, c.envs)
    fields = [f.alias or n for n, f in Environment.model_fields.items()]
    for i, dotted in enumerate(c.env.intended_differences):
        head = dotted.split(".")[0].split("[")[0]
        if head not in fields:
            c.add(
                ("intended_differences", i),
                f"`{dotted}` names no setting: `{head}` is not a top-level key"
                + suggest(head, fields),
            )


def check_references(env: Environment, where: Locator, envs: Sequence[str]) -> list[Problem]:
    """Every dangling reference, duplicate name and dependency cycle in ``env``."""
    c = References(env, where, envs)
    _namespace(c)
    _zones(c)
    _dependencies(c)
    _secrets(c)
    _exposure_and_promotion(c)
    for part in parts(env).values():
        part.check(c)
    check_reach(c)
    return c.problems
