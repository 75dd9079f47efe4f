"""Images built locally (no registry) once per session, and containers that are always removed."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import docker
import pytest

from greenroom.images import ensure_images

Runner = Callable[..., tuple[Any, dict[int, int]]]


@pytest.fixture(scope="session")
def local_images(docker_engine: None) -> dict[str, str]:
    """Every image, built from Debian packages and wheels: no registry involved."""
    return ensure_images(source="local")


@pytest.fixture(scope="session")
def docker_client(docker_engine: None) -> Iterator[Any]:
    client = docker.from_env()
    yield client
    client.close()


@pytest.fixture
def run_container(docker_client: Any, local_images: dict[str, str]) -> Iterator[Runner]:
    """Start an image on random free host ports under a unique name; removed whatever happens."""
    started: list[Any] = []

    def run(image: str, ports: list[int], **kwargs: Any) -> tuple[Any, dict[int, int]]:
        name = f"greenroom-test-{image.split('/')[-1].split(':')[0]}-{uuid.uuid4().hex[:8]}"
        container = docker_client.containers.run(
            image,
            detach=True,
            name=name,
            ports={f"{p}/tcp": ("127.0.0.1", None) for p in ports},
            **kwargs,
        )
        started.append(container)
        container.reload()
        bound = container.attrs["NetworkSettings"]["Ports"]
        mapping = {p: int(bound[f"{p}/tcp"][0]["HostPort"]) for p in ports}
        return container, mapping

    yield run
    for container in started:
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True, v=True)


@pytest.fixture
def private_network(docker_client: Any) -> Iterator[str]:
    """A bridge network of one test's own; it and whatever is still attached go at the end."""
    network = docker_client.networks.create(f"greenroom-test-{uuid.uuid4().hex[:8]}")
    yield network.name
    network.reload()
    for container in network.containers:
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True, v=True)
    network.remove()


@pytest.fixture
def eventually() -> Callable[..., Any]:
    """Retry a protocol probe until it answers; on giving up, fail with the container's logs."""
    return _eventually


def _eventually(probe: Callable[[], Any], container: Any, *, within: float = 90.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        try:
            return probe()
        except Exception as exc:
            container.reload()
            if container.status == "exited" or time.monotonic() > deadline:
                logs = container.logs(tail=30).decode(errors="replace")
                pytest.fail(f"{container.name} never answered: {exc!r}\n{logs}")
            time.sleep(0.5)
