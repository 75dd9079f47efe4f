"""A replica's identity and files: Compose project name, work dir, secrets, rendered project."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from greenroom.components import Component, RenderContext, parts
from greenroom.model.environment import Environment
from greenroom.paths import (
    compose_project,
    in_namespace,
    namespace,
    project_root,
    replica_dir,
)
from greenroom.runtime.probes import Access


def project_name(env: Environment, root: Path) -> str:
    """Distinct per environment and per checkout, so replicas never share containers or volumes."""
    return compose_project(env.project, env.name, root)


def infra_images(env: Environment) -> list[str]:
    """The logical image names this environment's components and services run."""
    return sorted({image for part in parts(env).values() for image in part.images()})


@dataclass
class Replica:
    """Everything `up`, `down`, `status` and the suites need to find and reach one replica."""

    env: Environment
    root: Path
    project: str
    dir: Path
    overrides: Sequence[str] = ()
    host_ports: dict[str, dict[int, int]] = field(default_factory=dict)
    secret_files: dict[str, Path] = field(default_factory=dict)
    app_images: dict[str, str] = field(default_factory=dict)
    """Service -> the image ID it runs (built or resolved): the evidence a suite records."""
    part_images: dict[str, str] = field(default_factory=dict)
    """Compose service -> the image ID a component built from the project (an AWS function);
    run by the replica, not shipped by a promotion."""
    namespace: str = ""
    """The namespace it was opened in (`GREENROOM_NAMESPACE`); "" for the user's own replicas."""
    subnets: dict[str, str] = field(default_factory=dict)
    """Network -> subnet, once `up` has chosen them (`runtime/subnets.py`)."""
    absent: dict[str, str] = field(default_factory=dict)
    """Part -> why this machine cannot run it (an image greenroom cannot build, no registry)."""
    guard_off: str = ""
    """Why its containers get no reach rules (`runtime/guard.py`); "" when they do."""

    @classmethod
    def open(
        cls, env_name: str, overrides: Sequence[str] = (), root: Path | None = None
    ) -> Replica:
        from greenroom.model import load_environment
        from greenroom.render.ports import allocate_ports

        root = root or project_root()
        env = load_environment(env_name, root=root, overrides=overrides)
        replica = cls(
            env=env,
            root=root,
            project=project_name(env, root),
            dir=replica_dir(env.name, root),
            overrides=tuple(overrides),
            namespace=namespace(),
        )
        replica.host_ports = {k: dict(v) for k, v in allocate_ports(env).items()}
        return replica

    def recall_absent(self) -> None:
        """Leave out what its last `up` ran without (the state's record), as that `up` did."""
        gone = self.load_state().get("absent") or {}
        if gone:
            self.leave_out(gone)

    def leave_out(self, gone: Mapping[str, str]) -> None:
        """Run without the parts in ``gone`` and what depends on them (`model/absent.py`)."""
        from greenroom.model.absent import closure, without

        everything = self.parts
        self.absent = closure(self.env, gone)
        services = {s for name in self.absent for s in (name, *everything[name].container_ports())}
        self.env = without(self.env, self.absent)
        self.host_ports = {k: v for k, v in self.host_ports.items() if k not in services}

    @property
    def parts(self) -> dict[str, Component]:
        """Its components and services, bound once for the model it holds."""
        return parts(self.env)

    def render_context(self) -> RenderContext:
        """What a render of this replica needs: its project, ports, images and override."""
        from greenroom.render.workdir import catalogue_refs, read_override

        return RenderContext(
            project=self.project,
            images=catalogue_refs(),
            app_images={**self.part_images, **self.app_images},
            host_ports=self.host_ports,
            compose_override=read_override(self.root, self.env.name),
            subnets=dict(self.subnets),
        )

    @property
    def compose_file(self) -> Path:
        return self.dir / "compose.yaml"

    @property
    def state_file(self) -> Path:
        return self.dir / "state.json"

    @property
    def state_dir(self) -> Path:
        """Per-user, outside the repo: the replica's 0600 secret files and Compose env file."""
        from greenroom.secrets import state_dir_for

        default = state_dir_for(self.env, self.root)  # <checkout>/<env>/secrets
        return in_namespace(default.parent.parent, self.namespace) / self.env.name / default.name

    @property
    def env_file(self) -> Path:
        from greenroom.secrets import ENV_FILE

        return self.state_dir / ENV_FILE

    def materialize_secrets(self) -> dict[str, Path]:
        """Write the secrets to 0600 files outside the repo, and the env file Compose reads."""
        from greenroom.secrets import materialize, write_env_file

        self.secret_files = materialize(self.env, state_dir=self.state_dir)
        write_env_file(self.secret_files, self.state_dir)
        return self.secret_files

    def access(self) -> Access:
        """Host ports and secret values, for probes, provisioning and suites."""
        from greenroom.secrets import read

        if not self.secret_files:
            self.materialize_secrets()
        secrets: Mapping[str, SecretStr] = {
            name: read(path) for name, path in self.secret_files.items()
        }
        return Access(host_ports=self.host_ports, secrets=secrets)

    def docker(self) -> Any:
        """A python-on-whales client bound to this replica's Compose project."""
        from python_on_whales import DockerClient

        return DockerClient(
            compose_files=[self.compose_file],
            compose_env_files=[self.env_file] if self.env_file.exists() else [],
            compose_project_name=self.project,
            compose_project_directory=self.dir,
        )

    def compose_argv(self, *args: str) -> list[str]:
        """`docker compose ARGS` for this replica, as an argv list (its file, project, secrets)."""
        env_file = ["--env-file", str(self.env_file)] if self.env_file.exists() else []
        return [
            "docker", "compose", "-p", self.project, "-f", str(self.compose_file),
            "--project-directory", str(self.dir), *env_file, *args,
        ]  # fmt: skip

    def load_state(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.state_file.read_text())
            return data
        except (OSError, ValueError):
            return {}

    def save_state(self, state: Mapping[str, Any]) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
        tmp.replace(self.state_file)

    def forget_state(self) -> None:
        self.state_file.unlink(missing_ok=True)
