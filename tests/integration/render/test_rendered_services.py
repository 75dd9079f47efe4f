"""The rendered services really run: a streaming read replica, Redis auth without argv secrets."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from greenroom.images import image_ref
from greenroom.model import load_environment
from greenroom.paths import project_root
from greenroom.render import render_to_workdir
from greenroom.secrets import ENV_FILE, state_dir_for

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


def _image_present(name: str) -> bool:
    probe = ["docker", "image", "inspect", image_ref(name)]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


class Replica:
    """A rendered prod project started under a unique Compose project name, removed afterwards."""

    def __init__(self, compose_file: Path) -> None:
        self.compose_file = compose_file
        self.name = f"grtest-{uuid.uuid4().hex[:8]}"
        env = load_environment("prod")
        state_dir = state_dir_for(env, project_root())
        self.env_file = state_dir / ENV_FILE
        self.secrets = {
            name: state_dir / name for name in yaml.safe_load(compose_file.read_text())["secrets"]
        }

    def compose(self, *args: str, timeout: float = 300) -> str:
        argv = [
            "docker",
            "compose",
            "-p",
            self.name,
            "-f",
            str(self.compose_file),
            "--env-file",
            str(self.env_file),
            *args,
        ]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if out.returncode != 0 and args[0] == "up":
            logs = subprocess.run(
                [*argv[: argv.index(args[0])], "logs", "--tail", "20"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            pytest.fail(f"{' '.join(args)} failed:\n{out.stderr}\nlogs:\n{logs.stdout}")
        assert out.returncode == 0, f"{' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
        return out.stdout

    def command_lines(self, service: str) -> str:
        """Every process's argv in the service's container, as text."""
        script = 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done'
        return self.compose("exec", "-T", service, "sh", "-c", script)


@pytest.fixture
def prod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Replica]:
    for name in ("postgres", "redis"):
        if not _image_present(name):
            pytest.skip(f"{image_ref(name)} is not built yet (run `inv images`)")
    root = tmp_path / "project"
    shutil.copytree(ROOT / "envs", root / "envs")
    monkeypatch.setenv("GREENROOM_ROOT", str(root))
    monkeypatch.delenv("GREENROOM_WORKDIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    replica = Replica(render_to_workdir("prod"))
    try:
        yield replica
    finally:
        replica.compose("down", "-v", "--remove-orphans", timeout=120)


def test_the_read_replica_streams_from_the_primary(prod: Replica) -> None:
    prod.compose("up", "-d", "--wait", "--wait-timeout", "240", "postgres", "postgres-replica")
    psql = ["exec", "-T", "postgres", "psql", "-U", "shop", "-d", "shop", "-tAc"]
    prod.compose(*psql, "CREATE TABLE parity (x int); INSERT INTO parity VALUES (42)")
    replica_psql = ["exec", "-T", "postgres-replica", "psql", "-U", "shop", "-d", "shop", "-tAc"]
    seen = ""
    for _ in range(30):
        seen = prod.compose(*replica_psql, "SELECT x FROM parity").strip()
        if seen == "42":
            break
        subprocess.run(["sleep", "1"], check=True)
    assert seen == "42"
    assert prod.compose(*replica_psql, "SELECT pg_is_in_recovery()").strip() == "t"
    state = prod.compose(*psql, "SELECT state FROM pg_stat_replication").strip()
    assert state == "streaming"
    password = prod.secrets["postgres-password"].read_text()
    for service in ("postgres", "postgres-replica"):
        assert password not in prod.command_lines(service), service


def test_redis_requires_the_password_without_showing_it(prod: Replica) -> None:
    prod.compose("up", "-d", "--wait", "--wait-timeout", "120", "redis")
    anonymous = prod.compose("exec", "-T", "redis", "redis-cli", "ping")
    assert "NOAUTH" in anonymous
    password = prod.secrets["redis-password"].read_text()
    assert password not in prod.command_lines("redis")
    authed = prod.compose(
        "exec",
        "-T",
        "redis",
        "sh",
        "-c",
        'REDISCLI_AUTH="$(cat /run/secrets/redis-password)" redis-cli ping',
    )
    assert authed.strip() == "PONG"
