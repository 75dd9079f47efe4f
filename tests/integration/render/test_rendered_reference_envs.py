"""The reference environments render, and Compose itself accepts every rendered project."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from greenroom.errors import GreenroomError
from greenroom.model import load_environment
from greenroom.paths import replica_dir
from greenroom.render import render_to_workdir
from greenroom.secrets import ENV_FILE, state_dir_for, variable

ROOT = Path(__file__).resolve().parents[3]
ENVS = ("dev", "stage", "prod")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repo's envs/ with its own work and state dirs, so nothing real is touched."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "envs", root / "envs")
    (root / "compose").mkdir()
    monkeypatch.setenv("GREENROOM_ROOT", str(root))
    monkeypatch.delenv("GREENROOM_WORKDIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return root


def compose_config(compose_file: Path) -> dict[str, object]:
    """What Compose makes of the file (it fails loudly on anything invalid)."""
    out = subprocess.run(
        ["docker", "compose", "-f", str(compose_file), "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    config: dict[str, object] = json.loads(out.stdout)
    return config


@pytest.mark.parametrize("env", ENVS)
def test_reference_env_renders_and_compose_accepts_it(project, env, capsys):
    compose_file = render_to_workdir(env)
    assert compose_file == replica_dir(env, project) / "compose.yaml"
    assert str(compose_file) in capsys.readouterr().out
    config = compose_config(compose_file)
    services = config["services"]
    assert isinstance(services, dict)
    assert {"api", "worker", "migrate", "postgres", "redis", "nats", "aws"} <= set(services)
    for name, service in services.items():
        assert service["labels"]["dev.greenroom.env"] == env, name
        assert "build" not in service, name


def test_prod_has_a_replica_redis_auth_and_only_the_ingress_outside(project):
    compose_file = render_to_workdir("prod")
    services = compose_config(compose_file)["services"]
    assert isinstance(services, dict)
    assert "postgres-replica" in services
    outside = {
        name
        for name, service in services.items()
        for port in service.get("ports", [])
        if port.get("host_ip") != "127.0.0.1"
    }
    assert outside == {"ingress"}
    assert "requirepass" in " ".join(services["redis"]["entrypoint"])
    for path in (compose_file.parent / "postgres").iterdir():
        assert path.stat().st_mode & 0o111, f"{path.name} should be executable"


def test_secret_values_stay_out_of_the_rendered_files(project):
    compose_file = render_to_workdir("prod")
    text = "".join(p.read_text() for p in compose_file.parent.rglob("*") if p.is_file())
    secrets = yaml.safe_load(compose_file.read_text())["secrets"]
    state_dir = state_dir_for(load_environment("prod"), project)
    assert not state_dir.is_relative_to(project)
    assert (state_dir / ENV_FILE).stat().st_mode & 0o777 == 0o600
    for name, spec in secrets.items():
        assert spec == {"environment": variable(name)}
        value = (state_dir / name).read_text()
        assert len(value) >= 12, name
        assert value not in text, name


def test_the_hand_written_override_is_merged_last(project):
    (project / "compose" / "dev.override.yaml").write_text(
        "services:\n  api:\n    environment:\n      LOG_LEVEL: DEBUG\n"
    )
    services = compose_config(render_to_workdir("dev"))["services"]
    assert isinstance(services, dict)
    assert services["api"]["environment"]["LOG_LEVEL"] == "DEBUG"
    assert services["api"]["environment"]["PGHOST"] == "postgres"


def test_compose_rejecting_the_override_is_reported_with_its_message(project):
    (project / "compose" / "dev.override.yaml").write_text(
        "services:\n  api:\n    flavour: vanilla\n"
    )
    with pytest.raises(GreenroomError, match="Compose rejected") as caught:
        render_to_workdir("dev")
    assert caught.value.details and "flavour" in caught.value.details
    assert caught.value.hint and "override" in caught.value.hint
