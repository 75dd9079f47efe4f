"""`inv doctor` on the real machine: green here, a clear failure with a broken DOCKER_HOST."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from greenroom.doctor import run_doctor
from greenroom.images import ensure_images


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        port: int = sock.getsockname()[1]
        return port


def test_doctor_is_green_on_a_ready_machine(capsys: pytest.CaptureFixture[str]) -> None:
    ensure_images(quiet=True)
    checks = run_doctor(ports=(_free_port(),))
    assert [c.name for c in checks if c.ok is False] == []
    out = capsys.readouterr().out
    assert "docker engine" in out and "compose v2" in out and "FAIL" not in out


def test_doctor_reports_an_unreachable_engine_with_its_fix() -> None:
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent.sock", "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "greenroom", "doctor"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert "docker engine" in result.stderr
    table = " ".join(result.stdout.split())
    assert "nonexistent.sock" in table
    assert "systemctl start docker" in table
