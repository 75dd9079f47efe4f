"""Where a project's files live: the root (holding envs/) and the git-ignored work dir."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from greenroom.errors import ConfigError

WORKDIR_NAME = ".greenroom"


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


def compose_project(project: str, env_name: str, root: Path) -> str:
    """The Compose project of a replica: distinct per environment and per checkout."""
    checkout = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:6]
    return f"{project}-{env_name}-{checkout}"
