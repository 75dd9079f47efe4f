"""AWS emulators as plug-ins of the AWS kind: one module each, found by name.

An emulator says which image it runs, where it listens, how the engine checks it, the environment
it needs for the AWS services the model uses, and what "ready" means beyond answering S3.
Emulators outside greenroom plug in through the ``greenroom.aws_emulators`` entry-point group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from greenroom.errors import ConfigError

BUILTIN = ("localstack", "moto")


@dataclass(frozen=True)
class Emulator:
    """What differs between emulators; everything else (endpoint, credentials) is the same."""

    name: str
    image: str
    port: int
    health: list[str]
    environment: Callable[[list[str]], dict[str, str]] = field(default=lambda services: {})
    """The container's environment, given the AWS services the model uses (s3, sqs...)."""
    ready: Callable[[str, list[str]], None] = field(default=lambda endpoint, services: None)
    """Raises ProbeFailed until the services the model uses are up at ``endpoint``."""


_EMULATORS: dict[str, Emulator] = {}


def register(emulator: Emulator) -> Emulator:
    """Make ``emulator`` choosable as `components.<aws>.emulator: <name>`."""
    _EMULATORS[emulator.name] = emulator
    return emulator


def _load() -> None:
    from greenroom.plugins import load

    load(__name__, BUILTIN, "greenroom.aws_emulators")


def names() -> tuple[str, ...]:
    """Every registered emulator, sorted."""
    _load()
    return tuple(sorted(_EMULATORS))


def get(name: str) -> Emulator:
    """The emulator called ``name``; a clear error for one that is not registered."""
    _load()
    try:
        return _EMULATORS[name]
    except KeyError:
        raise ConfigError(
            f"no AWS emulator named {name!r}", hint=f"use one of: {', '.join(names())}"
        ) from None
