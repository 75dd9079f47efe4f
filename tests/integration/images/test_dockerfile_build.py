"""Any Dockerfile builds with no registry: stand-in bases, pip via the host, cached by content."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from greenroom.errors import ImageError
from greenroom.images import build_service_image, engine
from greenroom.images.pipproxy import host_index, pip_config
from greenroom.model.types import BuildSpec

ALIASES = ("python:3.13-slim", "debian:trixie", "node:20")


def offline() -> bool:
    """The machine's real situation: these tests are about a registry nobody can reach."""
    return False


@pytest.fixture
def tags(docker_client: Any) -> Iterator[list[str]]:
    """Tags a test creates; removed at the end (never a greenroom/* image), aliases checked gone."""
    before = {alias: engine.image_id(alias) for alias in ALIASES}
    made: list[str] = []
    yield made
    for tag in made:
        with contextlib.suppress(Exception):
            docker_client.images.remove(tag, force=True)
    for alias, present in before.items():
        assert engine.image_id(alias) == present, f"{alias} was left tagged"


def unique_tag(name: str) -> str:
    return f"greenroom-test/{name}:{uuid.uuid4().hex[:8]}"


def write(root: Path, folder: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_python_slim_with_pip_builds_runs_and_leaks_nothing(
    tmp_path: Path, docker_client: Any, tags: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        "web",
        {
            "Dockerfile": "FROM python:3.13-slim\n"
            "RUN pip install six==1.16.0\n"
            "WORKDIR /srv\n"
            "COPY index.html /srv/index.html\n"
            'CMD ["python", "-m", "http.server", "8000"]\n',
            "index.html": "hello from web\n",
            ".git/HEAD": "ref: refs/heads/main\n",
        },
    )
    tag = unique_tag("web")
    tags.append(tag)
    spec = BuildSpec(context="web")
    first = build_service_image(tmp_path, "web", spec, tag, reachable=offline)
    assert first.startswith("sha256:")
    # Other builds on a shared engine may remake greenroom/python meanwhile (a changed base is a
    # changed input), so the unchanged-context check runs right after a build that settled.
    settled = build_service_image(tmp_path, "web", spec, tag, reachable=offline)
    with monkeypatch.context() as patched:
        patched.setattr(engine, "build", _no_build)
        (tmp_path / "web" / ".git" / "HEAD").write_text("ref: refs/heads/other\n")
        assert build_service_image(tmp_path, "web", spec, tag, reachable=offline) == settled

    six = docker_client.containers.run(
        tag, ["python", "-c", "import six; print(six.__version__)"], remove=True
    )
    assert six.decode().strip() == "1.16.0"
    port = free_port()
    container = docker_client.containers.run(
        tag, detach=True, remove=True, ports={"8000/tcp": ("127.0.0.1", port)}
    )
    try:
        assert _get(f"http://127.0.0.1:{port}/index.html") == "hello from web\n"
    finally:
        container.stop(timeout=2)

    index = host_index(pip_config())
    history = subprocess.run(
        ["docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", tag],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    inspect = json.dumps(docker_client.api.inspect_image(tag))
    upstream_host = index.url.split("/")[2].rsplit("@", 1)[-1]
    for text in (history, inspect):
        assert upstream_host not in text
        if index.cert:
            assert index.cert not in text
        assert "PIP_CERT" not in text and "REQUESTS_CA_BUNDLE" not in text
    config_env = docker_client.api.inspect_image(tag)["Config"]["Env"]
    assert not [e for e in config_env if e.startswith("PIP_")]
    local_url = next(w for w in history.split() if w.startswith("PIP_INDEX_URL="))
    with pytest.raises(OSError):
        _get(local_url.removeprefix("PIP_INDEX_URL=") + "six/", within=0)


def test_debian_trixie_dockerfile_with_dockerignore_and_target(
    tmp_path: Path, docker_client: Any, tags: list[str]
) -> None:
    write(
        tmp_path,
        "tool",
        {
            "docker/tool.Dockerfile": "ARG SUITE=trixie\n"
            "FROM debian:${SUITE} AS build\n"
            "ARG GREETING\n"
            "RUN printf '#!/bin/sh\\necho %s from $(cat /etc/debian_version)\\n' \"$GREETING\" "
            "> /hello && chmod +x /hello\n"
            "FROM build AS final\n"
            "COPY notes.txt /notes.txt\n"
            'CMD ["/hello"]\n'
            "FROM scratch AS unused\n"
            "COPY --from=final /hello /hello\n",
            "notes.txt": "kept\n",
            "scratch.log": "ignored\n",
            ".dockerignore": "*.log\n",
        },
    )
    tag = unique_tag("tool")
    tags.append(tag)
    spec = BuildSpec(
        context="tool",
        dockerfile="docker/tool.Dockerfile",
        target="final",
        args={"GREETING": "hi"},
    )
    first = build_service_image(tmp_path, "tool", spec, tag, reachable=offline)
    out = docker_client.containers.run(tag, remove=True).decode()
    assert out.startswith("hi from 13")
    stand_ins = json.loads(
        docker_client.api.inspect_image(tag)["Config"]["Labels"]["greenroom.base-images"]
    )
    assert stand_ins["debian:trixie"].startswith("greenroom/base:trixie-")

    (tmp_path / "tool" / "scratch.log").write_text("changed, but ignored\n")
    assert build_service_image(tmp_path, "tool", spec, tag, reachable=offline) == first
    (tmp_path / "tool" / "notes.txt").write_text("changed\n")
    assert build_service_image(tmp_path, "tool", spec, tag, reachable=offline) != first


def test_node_without_registry_names_the_line_and_the_fix(tmp_path: Path, tags: list[str]) -> None:
    write(tmp_path, "ui", {"Dockerfile": "# the UI\nARG NODE=20\nFROM node:${NODE}\nRUN true\n"})
    tag = unique_tag("ui")
    with pytest.raises(ImageError) as caught:
        build_service_image(tmp_path, "ui", "ui", tag, reachable=offline)
    assert caught.value.message.startswith("ui/Dockerfile:3: FROM node:${NODE}: node:20 ")
    assert "base_images:" in (caught.value.hint or "")
    assert engine.image_id(tag) is None


def _no_build(*args: Any, **kwargs: Any) -> str:
    raise AssertionError("an unchanged context must not be built again")


def _get(url: str, within: float = 20.0) -> str:
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
