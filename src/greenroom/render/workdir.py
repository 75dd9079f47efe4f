"""`inv render`: gather a render context, write the project to `.greenroom/<env>/`, validate."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from greenroom.components import RenderContext
from greenroom.errors import EngineError, GreenroomError
from greenroom.model.environment import Environment
from greenroom.paths import compose_project
from greenroom.render.compose import COMPOSE_FILE, render_project
from greenroom.render.ports import allocate_ports

OVERRIDES_DIR = "compose"
EXECUTABLE = (".sh",)


def override_path(root: Path, env_name: str) -> Path:
    """Where the hand-written Compose override of an environment lives."""
    return root / OVERRIDES_DIR / f"{env_name}.override.yaml"


def read_override(root: Path, env_name: str) -> str:
    """The text of `compose/<env>.override.yaml`, or "" when there is none."""
    path = override_path(root, env_name)
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def catalogue_refs() -> dict[str, str]:
    """Every image of greenroom's catalogue, by name: what the renderer's components run."""
    from greenroom.images.catalog import CATALOG

    return {name: spec.ref for name, spec in CATALOG.items()}


def context_for(
    env: Environment, root: Path, *, app_images: Mapping[str, str] | None = None
) -> RenderContext:
    """The one render context, for `inv render` and `inv up` alike.

    Catalogue images, app images once built, allocated ports and the Compose override.
    """
    return RenderContext(
        project=compose_project(env.project, env.name, root),
        images=catalogue_refs(),
        app_images=dict(app_images or {}),
        host_ports=allocate_ports(env),
        compose_override=read_override(root, env.name),
    )


def write_project(directory: Path, files: dict[str, str]) -> None:
    """Write the rendered files; scripts are made executable, unchanged files left alone."""
    for relpath, text in sorted(files.items()):
        path = directory / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        if path.suffix in EXECUTABLE:
            path.chmod(0o755)


def validate(compose_file: Path, env_file: Path | None = None) -> None:
    """Let Compose itself check the file: `docker compose -f FILE config --quiet`."""
    docker = shutil.which("docker")
    if docker is None:
        raise EngineError(
            "the docker CLI is not on PATH, so the rendered project cannot be validated",
            hint="install Docker Engine and the Compose v2 plugin (`inv install-compose`)",
        )
    env_args = ["--env-file", str(env_file)] if env_file else []
    argv = [docker, "compose", "-f", str(compose_file), *env_args, "config", "--quiet"]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired as exc:
        raise EngineError(
            "docker compose config did not answer within 60s", hint="check `docker version`"
        ) from exc
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise GreenroomError(
            f"Compose rejected {compose_file} (exit {result.returncode})",
            details=tail,
            hint=f"if the message points at a key from {OVERRIDES_DIR}/<env>.override.yaml, fix "
            "that file; otherwise fix the environment in envs/ (or report a renderer bug)",
        )


def render_to_workdir(name: str, overrides: Sequence[str] = ()) -> Path:
    """Render ENV into its replica's work dir, check it with Compose, print and return the path."""
    from greenroom.model import load_environment
    from greenroom.paths import project_root, replica_dir

    root = project_root()
    env = load_environment(name, root=root, overrides=tuple(overrides))
    directory = replica_dir(env.name, root)
    project = render_project(env, context_for(env, root))
    write_project(directory, project.files)
    compose_file = directory / COMPOSE_FILE
    env_file = write_secrets(env, root)
    validate(compose_file, env_file)
    print(compose_file)
    print(f"secrets: {env_file} (pass it to Compose with --env-file)")
    return compose_file


def write_secrets(env: Environment, root: Path) -> Path:
    """Materialize the secrets and the 0600 env file Compose copies them from; return its path."""
    from greenroom.secrets import materialize, state_dir_for, write_env_file

    state_dir = state_dir_for(env, root)
    return write_env_file(materialize(env, state_dir=state_dir), state_dir)
