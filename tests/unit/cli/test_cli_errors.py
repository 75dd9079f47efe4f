"""The command line turns a mistake into one clean message and a non-zero exit, no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def greenroom(*args: str, root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "GREENROOM_ROOT": str(root), **env}
    return subprocess.run(
        [sys.executable, "-m", "greenroom", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environ,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "envs", root / "envs")
    return root


def test_a_misspelt_key_exits_2_with_its_location_and_a_suggestion(project: Path) -> None:
    dev = project / "envs" / "dev.yaml"
    dev.write_text(dev.read_text() + "exposur:\n  publish: all\n")
    result = greenroom("render", "dev", root=project)
    assert result.returncode == 2
    assert "envs/dev.yaml:" in result.stderr
    assert "did you mean 'exposure'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_an_unknown_environment_lists_the_known_ones(project: Path) -> None:
    result = greenroom("up", "qa", root=project)
    assert result.returncode == 2
    assert "unknown environment 'qa'" in result.stderr
    assert "dev, prod, stage" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_stopped_engine_is_named_with_the_fix(project: Path) -> None:
    result = greenroom("up", "dev", root=project, DOCKER_HOST="unix:///nonexistent/docker.sock")
    assert result.returncode == 1
    assert "Docker engine" in result.stderr
    assert "hint:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_hints_name_the_command_the_user_typed() -> None:
    from greenroom.cli import as_typed, command_name

    assert command_name("/work/.venv/bin/greenroom") == "greenroom"
    assert command_name("/usr/lib/python3/site-packages/greenroom/__main__.py") == "greenroom"
    assert command_name("/work/.venv/bin/inv") == "inv"
    hint = "hint: bring it up first: `inv up dev`"
    assert as_typed(hint, "greenroom") == "hint: bring it up first: `greenroom up dev`"
    assert as_typed(hint, "inv") == hint


def test_invoking_a_function_the_model_lacks_names_those_it_has(project: Path) -> None:
    result = greenroom("invoke", "dev", "mailer", root=project)
    assert result.returncode == 1
    assert "dev has no function 'mailer'" in result.stderr
    assert "components.<aws>.functions" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
