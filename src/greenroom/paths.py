"""Where a project's files live: the root (holding envs/) and the git-ignored work dir."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from greenroom.errors import ConfigError

WORKDIR_NAME = ".greenroom"
NAMESPACE_VARIABLE = "GREENROOM_NAMESPACE"
NAMESPACE_PORT_SHIFT = 1000
"""How far a namespaced replica's host ports sit above the user's (a replica spans < 1000)."""

_NAMESPACE = re.compile(r"[a-z0-9][a-z0-9-]{0,19}")


def project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) that holds ``envs/``.

    ``GREENROOM_ROOT`` overrides the search.
    """
    override = os.environ.get("GREENROOM_ROOT")
    if override:
        return Path(override).resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "envs").is_dir():
            return candidate
    raise ConfigError(
        f"no envs/ folder found at or above {here}",
        hint="run greenroom from a project that has an envs/ folder, or set GREENROOM_ROOT",
    )


def workdir(root: Path | None = None) -> Path:
    """The git-ignored folder for rendered projects, caches and the release ledger."""
    base = Path(os.environ["GREENROOM_WORKDIR"]) if "GREENROOM_WORKDIR" in os.environ else None
    path = base or (root or project_root()) / WORKDIR_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """A per-user cache shared by all checkouts (rootfs, wheelhouses, image build inputs).

    ``GREENROOM_CACHE`` wins, then ``$XDG_CACHE_HOME/greenroom``, then ``~/.cache/greenroom``.
    """
    if "GREENROOM_CACHE" in os.environ:
        path = Path(os.environ["GREENROOM_CACHE"])
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        path = (Path(xdg) if xdg else Path.home() / ".cache") / "greenroom"
    path.mkdir(parents=True, exist_ok=True)
    return path


def namespace() -> str:
    """The replica namespace from ``GREENROOM_NAMESPACE``; "" (unset) is the user's own replicas.

    Tests and benchmarks set one so their replicas never touch a user's replica of the same env.
    """
    value = os.environ.get(NAMESPACE_VARIABLE, "").strip()
    if value and not _NAMESPACE.fullmatch(value):
        raise ConfigError(
            f"{NAMESPACE_VARIABLE}={value!r} is not a valid replica namespace",
            hint="use up to 20 lowercase letters, digits and dashes, starting with a letter or "
            f"digit (e.g. {NAMESPACE_VARIABLE}=test), or unset it for your own replicas",
        )
    return value


NAMESPACE_PORT_SLOTS = 4
"""Namespaces spread over this many shifts (by a hash of their name), so two rarely meet."""


def port_shift() -> int:
    """Added to `exposure.port_base` in a namespace, so its host ports differ from the user's.

    1000 to 4000 above the user's, chosen by the namespace's name: `test` and `bench` differ.
    """
    ns = namespace()
    if not ns:
        return 0
    slot = int(hashlib.sha256(ns.encode()).hexdigest(), 16) % NAMESPACE_PORT_SLOTS
    return NAMESPACE_PORT_SHIFT * (1 + slot)


def in_namespace(base: Path, ns: str | None = None) -> Path:
    """``base`` itself for the user's replicas, ``base/namespaces/<ns>`` inside a namespace."""
    ns = namespace() if ns is None else ns
    return base / "namespaces" / ns if ns else base


def replica_dir(env_name: str, root: Path | None = None) -> Path:
    """The work dir of one replica: `.greenroom/<env>`, or `.greenroom/namespaces/<ns>/<env>`."""
    return in_namespace(workdir(root)) / env_name


def compose_project(project: str, env_name: str, root: Path) -> str:
    """The Compose project of a replica: distinct per environment, checkout and namespace."""
    checkout = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:6]
    ns = namespace()
    return f"{project}-{env_name}-{checkout}" + (f"-{ns}" if ns else "")
