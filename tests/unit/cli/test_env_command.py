"""`greenroom env ENV` as a shell uses it: eval'd, written as a dotenv file, read as JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    """A copy of the envs and a state dir of its own: secrets are generated there, not at home."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "envs", root / "envs")
    return {
        **os.environ,
        "GREENROOM_ROOT": str(root),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }


def greenroom_env(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "greenroom", "env", "dev", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environ,
        stdin=subprocess.DEVNULL,
    )


def test_eval_of_the_export_form_sets_every_variable(environ: dict[str, str]) -> None:
    script = (
        f'eval "$({sys.executable} -m greenroom env dev --set components.redis.auth=true)"; '
        'printf "%s\\n" "$DATABASE_URL" "$REDIS_URL" "$NATS_URL" "$AWS_ENDPOINT_URL" '
        '"$AWS_DEFAULT_REGION" "$AWS_ACCESS_KEY_ID" "$API_URL"'
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=environ, check=False
    )
    assert result.returncode == 0, result.stderr
    database, redis, nats, aws, region, key, api = result.stdout.splitlines()
    assert database.startswith("postgresql://shop:") and "****" not in database
    assert database.endswith("/shop")
    assert redis.startswith("redis://:") and "****" not in redis
    assert nats.startswith("nats://127.0.0.1:")
    assert aws.startswith("http://127.0.0.1:")
    assert (region, key) == ("us-east-1", "test")
    assert api.startswith("http://127.0.0.1:")
    assert result.stderr == "", "nothing on stderr when the output is used, not read"


def test_dotenv_and_json_forms_hold_the_same_values(environ: dict[str, str]) -> None:
    as_json = greenroom_env(environ, "--format", "json")
    dotenv = greenroom_env(environ, "--format", "dotenv")
    assert as_json.returncode == dotenv.returncode == 0, as_json.stderr + dotenv.stderr
    variables = json.loads(as_json.stdout)
    assert dotenv.stdout.splitlines() == [f"{k}={v}" for k, v in variables.items()]


def test_an_unknown_format_exits_2_naming_the_known_ones(environ: dict[str, str]) -> None:
    result = greenroom_env(environ, "--format", "yaml")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "unknown format 'yaml'" in result.stderr
    assert "export, dotenv or json" in result.stderr
    assert "Traceback" not in result.stderr
