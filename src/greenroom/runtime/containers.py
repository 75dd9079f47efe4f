"""What the engine says about a replica's containers: found by the Compose project label."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Any

from greenroom.errors import EngineError

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


@dataclass(frozen=True)
class ContainerInfo:
    id: str
    name: str
    service: str
    status: str
    """created, running, exited, ..."""
    health: str | None
    """healthy, unhealthy, starting, or None without a healthcheck."""
    exit_code: int
    image: str
    started_at: str
    ports: dict[int, int]
    """container port -> host port, for published TCP ports."""

    @property
    def ok(self) -> bool:
        return self.status == "running" and self.health in (None, "healthy")


def engine_version() -> str:
    """The engine's version, or an EngineError naming the fix."""
    try:
        out = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            capture_output=True, text=True, timeout=20, check=False,
        )
    except FileNotFoundError:
        raise EngineError(
            "the docker CLI is not installed", hint="install Docker Engine, then `inv doctor`"
        ) from None
    except subprocess.TimeoutExpired:
        raise EngineError(
            "the Docker engine did not answer within 20 s",
            hint="check `systemctl status docker` (or Docker Desktop), then `inv doctor`",
        ) from None
    if out.returncode != 0:
        raise EngineError(
            "the Docker engine is not reachable",
            details=out.stderr.strip().splitlines()[-1] if out.stderr.strip() else None,
            hint="start it (`sudo systemctl start docker`), or fix DOCKER_HOST; then `inv doctor`",
        )
    return out.stdout.strip()


def project_containers(project: str) -> list[ContainerInfo]:
    """Every container (running or not) of a Compose project."""
    from python_on_whales import DockerClient
    from python_on_whales.exceptions import DockerException

    try:
        containers = DockerClient().ps(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})
    except DockerException as exc:
        raise EngineError(
            "could not list containers", details=str(exc)[-500:], hint="run `inv doctor`"
        ) from exc
    return sorted((_info(c) for c in containers), key=lambda c: (c.service, c.name))


def _info(container: Any) -> ContainerInfo:
    state = container.state
    health = state.health.status if state.health else None
    ports: dict[int, int] = {}
    for key, bindings in (container.network_settings.ports or {}).items():
        port, _, proto = key.partition("/")
        if proto == "tcp" and bindings:
            ports[int(port)] = int(bindings[0]["HostPort"])
    return ContainerInfo(
        id=container.id,
        name=container.name,
        service=container.config.labels.get(SERVICE_LABEL, "?"),
        status=state.status,
        health=health,
        exit_code=state.exit_code or 0,
        image=container.image,
        started_at=str(state.started_at or ""),
        ports=ports,
    )


def container_logs(container_id: str, lines: int = 30) -> str:
    """The last ``lines`` lines of a container's log (stdout and stderr)."""
    out = subprocess.run(
        ["docker", "logs", "--tail", str(lines), container_id],
        capture_output=True, text=True, timeout=30, check=False,
    )
    return (out.stdout + out.stderr).rstrip()
