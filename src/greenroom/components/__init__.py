"""The things that vary (Postgres, Redis, NATS, the AWS emulator, nginx, the app), found by kind.

A kind is one module (or a small package) holding its spec model and one component class; the
model, renderer, runtime, suites and pytest plugin ask the registry and never branch on a kind.
Adding a kind is one new module registered with ``@register("kind")``; kinds outside greenroom
plug in through the ``greenroom.components`` entry-point group.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, Union

from greenroom.components.base import (
    Base,
    Client,
    Component,
    Fragment,
    Readiness,
    RenderContext,
)
from greenroom.errors import ConfigError

if TYPE_CHECKING:
    from greenroom.model.environment import Environment

__all__ = [
    "Base",
    "Client",
    "Component",
    "Fragment",
    "Readiness",
    "RenderContext",
    "bind",
    "get",
    "kinds",
    "parts",
    "register",
    "spec_union",
]

BUILTIN = (
    "alertmanager",
    "app",
    "aws",
    "grafana",
    "http_stub",
    "ingress",
    "nats",
    "opensearch",
    "postgres",
    "postgres_exporter",
    "prometheus",
    "redis",
    "smtp_sink",
)
"""The modules under greenroom.components that hold a kind."""

_REGISTRY: dict[str, type[Base[Any]]] = {}
_BOUND: dict[int, tuple[weakref.ref[Any], dict[str, Component]]] = {}
"""Each live Environment's components, bound once (by the Environment's id)."""

C = TypeVar("C", bound=type[Base[Any]])


def register(kind: str) -> Callable[[C], C]:
    """Class decorator: make ``cls`` the component for ``kind``."""

    def decorate(cls: C) -> C:
        if kind in _REGISTRY and _REGISTRY[kind] is not cls:
            raise ValueError(f"component kind {kind!r} is registered twice")
        cls.kind = kind
        _REGISTRY[kind] = cls
        return cls

    return decorate


def _load() -> None:
    """Import the built-in kinds and the installed plug-ins, once, so their decorators run."""
    from greenroom.plugins import load

    load(__name__, BUILTIN, "greenroom.components")


def kinds() -> tuple[str, ...]:
    """Every registered component kind an environment can declare, sorted."""
    _load()
    return tuple(sorted(k for k, cls in _REGISTRY.items() if cls.spec_model is not None))


def get(kind: str) -> type[Base[Any]]:
    """The component class of ``kind``."""
    _load()
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise ConfigError(
            f"no component of kind {kind!r}",
            hint=f"use one of: {', '.join(sorted(_REGISTRY))}",
        ) from None


def spec_union() -> Any:
    """The tagged union of every kind's spec model: what `components.<name>` may hold."""
    from pydantic import Field

    models = tuple(get(kind).spec_model for kind in kinds())
    return Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007


def bind(name: str, spec: Any) -> Component:
    """The component for one model entry: a component spec (by its kind) or an app Service."""
    kind = getattr(spec, "kind", "app")
    return get(kind)(name, spec)


def parts(env: Environment) -> dict[str, Component]:
    """Every component and app service of ``env`` and the parts they bring (an AWS component's
    functions), by model name, sorted by name.

    Bound once per Environment: the model's checks, the renderer, the runtime and the suites all
    receive the same components (a copy of the model is a new Environment and binds anew).
    """
    held = _BOUND.get(id(env))
    if held is not None and held[0]() is env:
        return dict(held[1])
    entries: dict[str, Any] = {**env.components, **env.services}
    declared = {name: bind(name, entries[name]) for name in entries}
    brought = {n: p for part in declared.values() for n, p in part.extra_parts().items()}
    # A brought part named like a declared one is the model's error to report; the declared wins.
    bound = dict(sorted({**brought, **declared}.items()))
    for part in bound.values():
        part.attach(bound)
    key = id(env)
    _BOUND[key] = (weakref.ref(env), bound)
    weakref.finalize(env, _BOUND.pop, key, None)
    return dict(bound)
