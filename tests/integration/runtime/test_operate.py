"""Day-to-day commands on a running replica: psql, a shell, logs and status, as a user runs them."""

from __future__ import annotations

import subprocess
import sys

from greenroom.runtime import Replica


def greenroom(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "greenroom", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_psql_runs_as_the_apps_user_on_the_apps_database(dev_replica: Replica) -> None:
    result = greenroom("psql", "dev", stdin="SELECT current_user || '@' || current_database();\n")
    assert result.returncode == 0, result.stderr
    assert "shop@shop" in result.stdout


def test_shell_runs_inside_the_named_service(dev_replica: Replica) -> None:
    result = greenroom("shell", "dev", "redis", stdin="redis-cli ping\n")
    assert result.returncode == 0, result.stderr
    assert "PONG" in result.stdout


def test_logs_of_one_service_and_an_unknown_one(dev_replica: Replica) -> None:
    result = greenroom("logs", "dev", "--service", "api", "--tail", "50")
    assert result.returncode == 0, result.stderr
    assert "api-1" in result.stdout
    unknown = greenroom("logs", "dev", "--service", "apii")
    assert unknown.returncode != 0
    assert "has no service 'apii'" in unknown.stderr
    assert "api" in unknown.stderr.split("hint:", 1)[1]


def test_status_lists_every_service_with_its_health(dev_replica: Replica) -> None:
    result = greenroom("status", "dev")
    assert result.returncode == 0, result.stderr
    for service in ("api", "worker", "postgres", "redis", "nats", "aws", "migrate"):
        assert service in result.stdout
