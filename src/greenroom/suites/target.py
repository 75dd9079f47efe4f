"""Where a suite points: each component's connection, from a replica or from variables.

The same suite runs against a local replica (connections from its host ports and secret files) or
a deployed environment (``--target environ``: from ``GREENROOM_*`` variables, names from the
environment's model). Each component kind says how it is reached; see ``greenroom.suites.smoke``
for the variables.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from greenroom.components import Component, parts
from greenroom.components.access import Access, ProbeFailed
from greenroom.components.environ import PREFIX, Environ
from greenroom.errors import ConfigError, SuiteError
from greenroom.model.environment import Environment

TargetKind = Literal["replica", "environ"]
TARGETS: tuple[TargetKind, ...] = ("replica", "environ")


@dataclass(frozen=True)
class Target:
    """Everything a suite needs to reach one environment; secrets stay SecretStr."""

    env: str
    kind: TargetKind
    api_url: str
    digest: str
    parts: Mapping[str, Component] = field(default_factory=dict)
    """Every component and service of the environment, by model name."""
    connections: Mapping[str, Any] = field(default_factory=dict)
    """Model name -> its kind's connection, for each that can be reached from here."""
    images: Mapping[str, str] = field(default_factory=dict)
    """Service -> image ID (or digest) under test."""
    model: Environment | None = None
    absent: Mapping[str, str] = field(default_factory=dict)
    """Part -> why the replica runs without it (an image this machine cannot have); the model
    above is the environment without them."""
    guard_off: str = ""
    """Why the replica's containers carry no reach rules (`runtime/guard.py`); "" when they do."""

    def connection(self, kind: str) -> Any | None:
        """The connection of the first component of ``kind`` (by name), or None."""
        for name in sorted(self.connections):
            if self.parts[name].kind == kind:
                return self.connections[name]
        return None


def combined_digest(images: Mapping[str, str]) -> str:
    """One digest for the images under test: the image's own when there is one, else a hash."""
    if not images:
        return ""
    if len(images) == 1:
        return next(iter(images.values()))
    text = "\n".join(f"{k}={v}" for k, v in sorted(images.items()))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def front_door(env: Environment, bound: Mapping[str, Component], access: Access) -> str:
    """The HTTP entry: an ingress routing ``/``, else a service `api`, else any with a port."""
    for name, spec in sorted(env.components.items()):
        routes = getattr(spec, "routes", None)
        if routes and any(r.path == "/" for r in routes):
            url = bound[name].endpoint(access)
            if url:
                return url.rstrip("/")
    candidates = ["api"] if "api" in env.services else []
    for name in [*candidates, *sorted(env.services)]:
        service = env.services[name]
        if service.port and not service.one_shot and service.replicas:
            url = bound[name].endpoint(access)
            if url:
                return url
    return ""


def target_from_replica(env_name: str, overrides: Sequence[str] = ()) -> Target:
    """The target of a running local replica of ``env_name`` (brought up by `inv up`)."""
    from greenroom.runtime import Replica
    from greenroom.runtime.containers import project_containers
    from greenroom.runtime.lifecycle import GUARD_KEY

    replica = Replica.open(env_name, overrides)
    state = replica.load_state()
    running = [c for c in project_containers(replica.project) if c.status == "running"]
    if not state or not running:
        raise SuiteError(
            f"the {env_name} replica ({replica.project}) is not up",
            hint=f"bring it up first: `inv up {env_name}` (with the same --set flags)",
        )
    replica.recall_absent()
    recorded = state.get("host_ports") or {}
    if recorded:
        # The ports it was brought up with, not this call's model: a suite reaches its own replica.
        replica.host_ports = {
            service: {int(port): int(host) for port, host in ports.items()}
            for service, ports in recorded.items()
        }
    target = replica_target(
        replica.env, replica.access(), dict(state.get("app_images") or {}), replica.parts
    )
    guard = state.get(GUARD_KEY)
    guard_off = (
        str(guard.get("off") or "")
        if isinstance(guard, dict)
        else f"the replica's last `up` applied no reach rules: run `inv up {env_name}`"
    )
    return dataclasses.replace(target, absent=dict(replica.absent), guard_off=guard_off)


def replica_target(
    env: Environment,
    access: Access,
    images: Mapping[str, str],
    bound: Mapping[str, Component] | None = None,
) -> Target:
    """A replica's target from its model, host ports and secrets (no I/O)."""
    bound = bound if bound is not None else parts(env)
    try:
        connections = {
            name: conn for name, part in bound.items() if (conn := part.connect(access)) is not None
        }
    except ProbeFailed as exc:
        raise SuiteError(
            f"the {env.name} replica does not publish what the suite needs: {exc}",
            hint=f"re-create it with `inv up {env.name}`",
        ) from None
    return Target(
        env=env.name,
        kind="replica",
        api_url=front_door(env, bound, access),
        digest=combined_digest(images),
        parts=bound,
        connections=connections,
        images=dict(images),
        model=env,
    )


def target_from_environ(env: Environment, environ: Mapping[str, str]) -> Target:
    """A deployed environment's target: endpoints and credentials from ``GREENROOM_*`` variables.

    Every missing or malformed variable is named in one ConfigError.
    """
    from urllib.parse import urlsplit

    variables = Environ(environ)
    api_url = variables.need("API_URL").rstrip("/")
    images = _images(variables, env)
    digest = combined_digest(images) if images else variables.need("IMAGE_DIGEST")
    bound = parts(env)
    connections = {
        name: conn
        for name, part in bound.items()
        if (conn := part.connect_environ(variables)) is not None
    }
    if api_url and urlsplit(api_url).scheme not in ("http", "https"):
        variables.problem(f"{PREFIX}API_URL must start with http:// or https://")
    complaints = variables.complaints()
    if complaints:
        raise ConfigError(
            f"--target environ cannot reach {env.name}: " + "; ".join(complaints),
            hint="set the GREENROOM_* variables listed in `greenroom.suites.smoke`'s docstring "
            "(or run against the local replica with --target replica)",
        )
    return Target(
        env=env.name,
        kind="environ",
        api_url=api_url,
        digest=digest,
        parts=bound,
        connections=connections,
        images=images,
        model=env,
    )


def _images(variables: Environ, env: Environment) -> dict[str, str]:
    """``GREENROOM_IMAGES=api=sha256:...,worker=sha256:...``: the deployed set, by service."""
    raw = variables.get("IMAGES")
    images: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        service, _, digest = item.partition("=")
        if service not in env.services or not digest.startswith("sha256:"):
            variables.problem(
                f"{PREFIX}IMAGES item {item!r} is not <service>=sha256:<digest> of a service of "
                f"{env.name} ({', '.join(sorted(env.services))})"
            )
            continue
        images[service] = digest
    return images


def resolve_target(
    env_name: str,
    kind: str = "replica",
    *,
    overrides: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Target:
    """The target of ``env_name`` by ``kind``: ``replica`` (default) or ``environ``."""
    import os

    if kind == "replica":
        return target_from_replica(env_name, overrides)
    if kind == "environ":
        from greenroom.model import load_environment

        env = load_environment(env_name, overrides=overrides)
        return target_from_environ(env, os.environ if environ is None else environ)
    raise ConfigError(
        f"unknown target {kind!r}", hint=f"use --target {' or --target '.join(TARGETS)}"
    )
