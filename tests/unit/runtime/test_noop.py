"""The no-op `up` fingerprint: any input an `up` reads changes it; nothing else does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from greenroom.runtime.noop import fingerprint

WATCHED = ["envs", "compose/dev.override.yaml", "web"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "base.yaml").write_text("project: team\n")
    (tmp_path / "envs" / "dev.yaml").write_text("name: dev\n")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile").write_text("FROM python:3.13-slim\n")
    (tmp_path / "docs").mkdir()
    return tmp_path


def _print(root: Path, environ: dict[str, str] | None = None, *overrides: str) -> str:
    return fingerprint(root, "dev", overrides, WATCHED, environ or {"HOME": "/root"})


def _bump(path: Path, text: str) -> None:
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def _added(path: Path) -> None:
    path.parent.mkdir()
    path.write_text("services: {}\n")


def test_unchanged_inputs_give_the_same_fingerprint(project: Path) -> None:
    before = _print(project)
    (project / "docs" / "notes.md").write_text("not read by up")
    assert _print(project, {"HOME": "/elsewhere", "PATH": "/bin"}) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda root: _bump(root / "envs" / "dev.yaml", "name: dev\nexposure: {publish: all}\n"),
        lambda root: (root / "envs" / "stage.yaml").write_text("name: stage\n"),
        lambda root: _added(root / "compose" / "dev.override.yaml"),
        lambda root: _bump(root / "web" / "app.py", "print('hello')\n"),
        lambda root: (root / "web" / "Dockerfile").unlink(),
    ],
    ids=["env file edited", "env file added", "override added", "build file added", "removed"],
)
def test_a_changed_file_changes_it(project: Path, change: object) -> None:
    before = _print(project)
    change(project)  # type: ignore[operator]
    assert _print(project) != before


def test_greenroom_and_docker_variables_and_overrides_change_it(project: Path) -> None:
    before = _print(project)
    assert _print(project, {"GREENROOM_COMPONENTS__REDIS__AUTH": "true"}) != before
    assert _print(project, {"DOCKER_HOST": "tcp://elsewhere:2375"}) != before
    assert _print(project, None, "services.web.replicas=2") != before
