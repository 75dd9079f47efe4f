"""``python -m orders``: bad configuration is one JSON line with a hint and a non-zero exit."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[3] / "app"


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orders", *args],
        env={"PYTHONPATH": str(APP_DIR), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _last_json(out: str) -> dict[str, object]:
    line: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return line


def test_missing_variables_exit_2_with_names_and_hint() -> None:
    result = _run("worker", env={"PGHOST": "db"})
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    line = _last_json(result.stdout)
    assert line["level"] == "ERROR"
    assert "PGUSER" in str(line["message"]) and "NATS_URL" in str(line["message"])
    assert "app/README.md" in str(line["hint"])


def test_unreachable_postgres_exits_1_without_leaking_the_password(tmp_path: Path) -> None:
    secret = tmp_path / "pg"
    secret.write_text("Sup3r-secret\n")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "PGHOST": "127.0.0.1",
        "PGPORT": str(port),
        "PGUSER": "orders",
        "PGDATABASE": "orders",
        "PGPASSWORD_FILE": str(secret),
        "STARTUP_TIMEOUT": "1",
    }
    result = _run("migrate", env=env)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "Sup3r-secret" not in output
    assert "Traceback" not in output
    line = _last_json(result.stdout)
    assert f"127.0.0.1:{port}" in str(line["message"])
    assert "PGHOST" in str(line["hint"])


def test_unknown_role_is_refused() -> None:
    result = _run("cron", env={})
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
