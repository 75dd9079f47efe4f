"""`greenroom init` on a real compose file: Compose reads it, the envs load, no secret is copied."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from greenroom_cli import greenroom_in

from greenroom.model import load_environment

PG_PASSWORD = "live-pg-Secret-4821"
REDIS_PASSWORD = "live-redis-Secret-9377"
API_TOKEN = "live-api-Token-1150"

COMPOSE = f"""\
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: shop
      POSTGRES_DB: shop
      POSTGRES_PASSWORD: {PG_PASSWORD}
    ports: ["5432:5432"]
  cache:
    image: redis:7-alpine
    command: redis-server --requirepass {REDIS_PASSWORD}
  api:
    build:
      context: ./api
      target: runtime
    ports: ["8080:8000"]
    env_file: [api.env]
    environment:
      DATABASE_URL: postgres://shop:{PG_PASSWORD}@db:5432/shop
      REDIS_URL: redis://:{REDIS_PASSWORD}@cache:6379/0
    depends_on:
      db:
        condition: service_healthy
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS http://localhost:8000/health || exit 1"]
"""


def test_init_translates_a_real_compose_project(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "Dockerfile").write_text(
        'FROM python:3.13-slim AS runtime\nCMD ["python", "-m", "http.server", "8000"]\n'
    )
    (tmp_path / "api.env").write_text(f"API_TOKEN={API_TOKEN}\nLOG_LEVEL=debug\n")
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)

    result = subprocess.run(
        [sys.executable, "-m", "greenroom", "init", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["compose"] == "docker-compose.yml"
    kinds = {row["compose"]: row["kind"] for row in summary["services"]}
    assert kinds == {"db": "postgres", "cache": "redis", "api": "service"}

    env = load_environment("dev", root=tmp_path, environ={})
    assert env.exposure.publish == "all"
    assert env.component("postgres").user == "shop"
    assert env.component("redis").auth is True
    api = env.services["api"]
    assert api.port == 8000 and api.health == "/health"
    assert api.env["LOG_LEVEL"] == "debug"
    assert api.env["DATABASE_URL"] == "postgres://shop@db:5432/shop"
    assert api.secrets["API_TOKEN"] == "api-token"
    assert set(api.depends_on) == {"db", "cache"}

    written = "".join(p.read_text() for p in (tmp_path / "envs").glob("*.yaml"))
    for secret in (PG_PASSWORD, REDIS_PASSWORD, API_TOKEN):
        assert secret not in written
        assert secret not in result.stdout


def test_init_names_the_compose_file_compose_refuses(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    imagee: nginx\n")
    result = subprocess.run(
        [sys.executable, "-m", "greenroom", "init"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Compose cannot read" in result.stderr and "compose.yaml" in result.stderr
    assert "imagee" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "envs").exists()


SMALL = f"""\
services:
  db:
    image: postgres:17
    environment:
      POSTGRES_USER: app
      POSTGRES_DB: app
      POSTGRES_PASSWORD: {PG_PASSWORD}
  cache:
    image: redis:8.0
  web:
    build: ./web
    ports: ["8000:8000"]
    environment:
      DATABASE_URL: postgresql://app:{PG_PASSWORD}@db:5432/app
    depends_on: [db, cache]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/healthz"]
"""

PORTS = ("--set", "exposure.port_base=27000")
"""Clear of the session's own dev replica, which is still up when this module runs."""


def _greenroom(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return greenroom_in(root, *args, ledger=root / "ledger.jsonl", check=False, timeout=600)


def test_envs_from_init_come_up_and_pass_smoke(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "healthz").write_text("ok\n")
    (tmp_path / "web" / "Dockerfile").write_text(
        'FROM python:3.13-slim\nWORKDIR /srv\nCOPY healthz .\nCMD ["python", "-m", "http.server", '
        '"8000"]\n'
    )
    (tmp_path / "docker-compose.yml").write_text(SMALL)
    assert _greenroom(tmp_path, "init").returncode == 0
    written = "".join(p.read_text() for p in (tmp_path / "envs").glob("*.yaml"))
    assert PG_PASSWORD not in written
    try:
        up = _greenroom(tmp_path, "up", "dev", *PORTS)
        assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-3000:]
        smoke = _greenroom(tmp_path, "test", "smoke", "--env", "dev", *PORTS)
        assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-2000:]
        (entry,) = [
            json.loads(line) for line in (tmp_path / "ledger.jsonl").read_text().splitlines()
        ]
        assert entry["result"] == "pass" and set(entry["images"]) == {"web"}
    finally:
        _greenroom(tmp_path, "down", "dev", "--volumes", "--yes", *PORTS)
