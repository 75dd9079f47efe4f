"""The Docker CLI as argv lists: each failure is a GreenroomError naming the command and fix."""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from greenroom.errors import EngineError, GreenroomError, ImageError

DISK_HINT = (
    "free disk space: `docker system prune` (unused images/containers), `docker builder prune`, "
    "or remove old rootfs caches under the greenroom cache dir"
)


def engine_hint() -> str:
    """What to do when the engine does not answer, naming the socket the CLI is trying."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    return (
        "start the Docker engine (`sudo systemctl start docker`) or point DOCKER_HOST at a "
        f"running one (now: {host}); `docker version` must show a Server section"
    )


def run(
    cmd: Sequence[str],
    *,
    what: str,
    hint: str,
    error: type[GreenroomError] = ImageError,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    stdin: Any = None,
    merge: bool = True,
) -> str:
    """Run ``cmd``; on failure raise ``error`` with the output tail and ``hint``.

    ``merge`` interleaves stderr with stdout so the tail shows the real error in order; pass
    ``merge=False`` when the caller parses stdout.
    """
    try:
        out = subprocess.run(
            list(cmd),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge else subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
            env=dict(env) if env is not None else None,
            stdin=stdin,
        )
    except FileNotFoundError as exc:
        raise error(f"{what}: {cmd[0]} is not installed", hint=hint) from exc
    except subprocess.TimeoutExpired as exc:
        raise error(f"{what}: timed out after {timeout:.0f}s", hint=hint) from exc
    if out.returncode != 0:
        raise failure(error, what, cmd, out.returncode, (out.stderr or "") + out.stdout, hint)
    return out.stdout


def failure(
    error: type[GreenroomError], what: str, cmd: Sequence[str], code: int, output: str, hint: str
) -> GreenroomError:
    """The error for a failed command: disk-full and engine-down get their own fix."""
    tail = "\n".join(output.strip().splitlines()[-12:])
    if "no space left on device" in output.lower():
        return ImageError(f"{what}: the disk is full", details=tail, hint=DISK_HINT)
    if "cannot connect to the docker daemon" in output.lower():
        return EngineError(
            f"{what}: the Docker engine is unreachable", details=tail, hint=engine_hint()
        )
    shown = " ".join(cmd[:4]) + (" ..." if len(cmd) > 4 else "")
    return error(f"{what} ({shown} exited {code})", details=tail, hint=hint)


def server_version() -> str:
    """The engine's version; EngineError (with the fix) when the engine does not answer."""
    return run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        what="docker version",
        hint=engine_hint(),
        error=EngineError,
        timeout=20,
        merge=False,
    ).strip()


@functools.lru_cache(maxsize=1)
def api() -> Any:
    """One low-level Engine API client per process (DOCKER_HOST honoured): an inspect through it
    costs a few milliseconds, where each `docker` CLI call costs tens."""
    import docker

    return docker.APIClient(**docker.utils.kwargs_from_env(), version="auto", timeout=60)


def inspect_image(ref: str) -> dict[str, Any] | None:
    """The engine's view of a local image, or None when it is not there."""
    from docker.errors import DockerException, ImageNotFound, NotFound

    try:
        data: dict[str, Any] = api().inspect_image(ref)
    except (ImageNotFound, NotFound):
        return None
    except DockerException as exc:
        raise EngineError(f"could not inspect image {ref}: {exc}", hint=engine_hint()) from exc
    return data


def image_id(ref: str) -> str | None:
    """``sha256:...`` of a local image, or None."""
    data = inspect_image(ref)
    return str(data["Id"]) if data else None


def label(ref: str, name: str) -> str | None:
    """One label of a local image (None when the image or the label is missing)."""
    data = inspect_image(ref)
    if not data:
        return None
    labels = (data.get("Config") or {}).get("Labels") or {}
    value = labels.get(name)
    return str(value) if value is not None else None


def build(
    context: Path,
    tag: str,
    *,
    build_args: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    dockerfile: Path | None = None,
    target: str | None = None,
    timeout: float | None = None,
) -> str:
    """``docker build`` (BuildKit when the CLI has buildx, else classic): the tag only lands on
    success. ``dockerfile`` may lie outside ``context``; the builder still sees only the context."""
    cmd = ["docker", "build", "--force-rm", "--quiet", "--tag", tag]
    if dockerfile is not None:
        cmd += ["--file", str(dockerfile)]
    if target:
        cmd += ["--target", target]
    for key, value in (build_args or {}).items():
        cmd += ["--build-arg", f"{key}={value}"]
    for key, value in (labels or {}).items():
        cmd += ["--label", f"{key}={value}"]
    cmd.append(str(context))
    env = {**os.environ, "DOCKER_BUILDKIT": "1" if buildkit() else "0"}
    run(
        cmd,
        what=f"building {tag} failed",
        env=env,
        timeout=timeout,
        hint=f"read the build output above; the Dockerfile is {dockerfile or context}",
    )
    built = image_id(tag)
    if built is None:
        raise ImageError(f"built {tag} but the engine does not list it", hint=engine_hint())
    return built


@functools.lru_cache(maxsize=1)
def buildkit() -> bool:
    """Does the CLI have buildx (BuildKit)? Without it, builds use the engine's classic builder."""
    try:
        probe = subprocess.run(
            ["docker", "buildx", "version"], capture_output=True, check=False, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def bridge_gateway() -> str:
    """The host's address on the default bridge, where build containers reach a host service."""
    import ipaddress

    from docker.errors import DockerException

    try:
        network = api().inspect_network("bridge")
    except DockerException as exc:
        raise EngineError(
            f"could not inspect the bridge network: {exc}", hint=engine_hint()
        ) from exc
    for config in (network.get("IPAM") or {}).get("Config") or []:
        if config.get("Gateway"):
            return str(config["Gateway"]).split("/")[0]
        if config.get("Subnet"):
            return str(next(ipaddress.ip_network(config["Subnet"]).hosts()))
    raise EngineError(
        "the engine's bridge network has no gateway address",
        hint="restart the engine so it recreates docker0 (`sudo systemctl restart docker`)",
    )


def pull(ref: str) -> str:
    """Pull ``ref`` through the engine's own registry configuration; its image ID."""
    run(
        ["docker", "pull", "--quiet", ref],
        what=f"docker pull {ref} failed",
        timeout=1800,
        hint="check the engine's registry access (`docker pull hello-world`), or map the image "
        "to a local one in `base_images:` in envs/",
    )
    pulled = image_id(ref)
    if pulled is None:
        raise ImageError(f"pulled {ref} but the engine does not list it", hint=engine_hint())
    return pulled


def tag(source: str, target: str) -> None:
    """Point ``target`` at the image ``source`` names."""
    run(
        ["docker", "tag", source, target],
        what=f"could not tag {source} as {target}",
        hint=engine_hint(),
        error=EngineError,
    )


def remove(ref: str) -> None:
    """Untag an image, quietly (used to leave nothing half-made after a failure)."""
    subprocess.run(["docker", "image", "rm", "--no-prune", ref], capture_output=True, check=False)


def info(field: str) -> str:
    """One field of ``docker info`` (e.g. ``DockerRootDir``)."""
    return run(
        ["docker", "info", "--format", "{{." + field + "}}"],
        what="docker info",
        hint=engine_hint(),
        error=EngineError,
        timeout=30,
        merge=False,
    ).strip()
