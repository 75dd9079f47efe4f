"""Every environment of the seed systems (examples/) renders to a project Compose itself accepts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from greenroom.model import available_environments, load_from_dir
from greenroom.render import RenderContext, allocate_ports, render_project
from greenroom.render.compose import COMPOSE_FILE
from greenroom.render.workdir import write_project

EXAMPLES = Path(__file__).parents[3] / "examples"
EVERY = [
    pytest.param(folder, name, id=f"{folder.parent.name}/{name}")
    for folder in sorted(EXAMPLES.glob("*/envs"))
    for name in available_environments(folder)
]


@pytest.mark.parametrize(("folder", "name"), EVERY)
def test_seed_env_renders_and_compose_accepts_it(folder: Path, name: str, tmp_path: Path) -> None:
    env = load_from_dir(folder, name, environ={})
    ctx = RenderContext(project=f"{env.project}-{env.name}", host_ports=allocate_ports(env))
    write_project(tmp_path, render_project(env, ctx).files)
    result = subprocess.run(
        ["docker", "compose", "-f", str(tmp_path / COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
