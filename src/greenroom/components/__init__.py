"""The things that vary (Postgres, Redis, NATS, the AWS emulator, nginx, the app), found by kind.

Each kind is one module holding one class; the layers above stay generic and ask the component.
Adding a kind is one new module registered with ``@register("kind")``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from greenroom.components.base import (
    Base,
    Client,
    Component,
    Fragment,
    Readiness,
    RenderContext,
)
from greenroom.errors import ConfigError
from greenroom.model.types import Environment

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
]

_REGISTRY: dict[str, type[Base[Any]]] = {}

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
    """Import the built-in component modules so their decorators run."""
    from greenroom.components import app, aws, ingress, nats, postgres, redis  # noqa: F401


def kinds() -> tuple[str, ...]:
    """Every registered kind, sorted."""
    _load()
    return tuple(sorted(_REGISTRY))


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


def bind(name: str, spec: Any) -> Component:
    """The component for one model entry: a component spec (by its kind) or an app Service."""
    kind = getattr(spec, "kind", "app")
    return get(kind)(name, spec)


def parts(env: Environment) -> dict[str, Component]:
    """Every component and app service of ``env``, by model name, sorted by name."""
    clash = sorted(set(env.components) & set(env.services))
    if clash:
        raise ConfigError(
            f"{', '.join(clash)} is both a component and a service",
            hint="rename one of them: components and services share one namespace",
        )
    entries: dict[str, Any] = {**env.components, **env.services}
    return {name: bind(name, entries[name]) for name in sorted(entries)}
