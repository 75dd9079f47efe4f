"""`inv doctor` with faked probes: each failure shows up with the command that fixes it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from greenroom.doctor import Check, Probes, parse_ports, run_checks, run_doctor
from greenroom.errors import ConfigError, EngineError, GreenroomError

GIB = 1024**3


def _engine_down() -> str:
    raise EngineError(
        "the Docker engine did not answer",
        details="Cannot connect to the Docker daemon at unix:///nonexistent.sock.",
        hint="start the Docker engine (`sudo systemctl start docker`)",
    )


def _healthy(tmp_path: Path) -> Probes:
    return Probes(
        engine_version=lambda: "20.10.24",
        compose_version=lambda: (2, 40, 3),
        docker_root=lambda: tmp_path,
        cache_dir=lambda: tmp_path,
        free_bytes=lambda _path: 50 * GIB,
        image_present=lambda _ref: True,
        which=lambda _tool: "/usr/sbin/debootstrap",
        port_free=lambda _port: True,
        images=[("postgres", "greenroom/postgres:17"), ("redis", "greenroom/redis:8.0")],
    )


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_healthy_machine_passes_every_check(tmp_path: Path) -> None:
    checks = run_doctor(ports=(5432, 8080), probes=_healthy(tmp_path))
    assert all(c.ok for c in checks)
    names = [c.name for c in checks]
    assert names[:2] == ["docker engine", "compose v2"]
    assert {"port 5432", "port 8080", "image postgres", "debootstrap"} <= set(names)
    assert "20.10.24" in _by_name(checks)["docker engine"].detail


def test_stopped_engine_fails_with_its_fix_and_skips_what_needs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    probes = replace(_healthy(tmp_path), engine_version=_engine_down)
    with pytest.raises(GreenroomError) as caught:
        run_doctor(ports=(5432,), probes=probes)
    assert "docker engine" in str(caught.value)
    checks = _by_name(run_checks((5432,), probes))
    engine = checks["docker engine"]
    assert engine.ok is False
    assert "nonexistent.sock" in engine.detail
    assert "systemctl start docker" in engine.fix
    assert checks["image postgres"].ok is None
    assert checks["disk docker root"].ok is None
    assert checks["disk cache dir"].ok is True
    out = capsys.readouterr().out
    assert "FAIL" in out
    assert "systemctl start docker" in out


def test_missing_compose_points_at_the_installer(tmp_path: Path) -> None:
    probes = replace(_healthy(tmp_path), compose_version=lambda: None)
    checks = _by_name(run_checks((), probes))
    assert checks["compose v2"].ok is False
    assert "greenroom install-compose" in checks["compose v2"].fix
    with pytest.raises(GreenroomError, match="1 check\\(s\\) failed: compose v2"):
        run_doctor((), probes)


def test_missing_image_debootstrap_busy_port_and_full_disk(tmp_path: Path) -> None:
    probes = replace(
        _healthy(tmp_path),
        image_present=lambda ref: ref != "greenroom/redis:8.0",
        which=lambda _tool: None,
        port_free=lambda port: port != 6379,
        free_bytes=lambda _path: 1 * GIB,
    )
    checks = _by_name(run_checks((5432, 6379), probes))
    assert checks["image redis"].fix.startswith("inv images --only redis")
    assert checks["image postgres"].ok is True
    assert "apt-get install debootstrap" in checks["debootstrap"].fix
    assert checks["port 6379"].ok is False and checks["port 5432"].ok is True
    assert "6379" in checks["port 6379"].fix
    assert checks["disk cache dir"].ok is False
    assert "docker system prune" in checks["disk cache dir"].fix


def test_an_image_greenroom_cannot_build_may_be_missing_and_says_how_to_add_it(
    tmp_path: Path,
) -> None:
    probes = replace(
        _healthy(tmp_path),
        image_present=lambda ref: ref != "greenroom/grafana:11.6",
        images=[("postgres", "greenroom/postgres:17"), ("grafana", "greenroom/grafana:11.6")],
        optional={"grafana": "grafana/grafana:11.6.0"},
    )
    grafana = _by_name(run_checks((5432,), probes))["image grafana"]
    assert grafana.ok is True
    assert "replicas that use it run without it" in grafana.detail
    assert "docker pull grafana/grafana:11.6.0" in grafana.detail


def test_ports_are_a_parameter(tmp_path: Path) -> None:
    checks = run_checks((15432,), _healthy(tmp_path))
    assert [c.name for c in checks if c.name.startswith("port")] == ["port 15432"]


def test_port_flags_are_validated() -> None:
    assert parse_ports(["5432", " 8080"]) == (5432, 8080)
    with pytest.raises(ConfigError, match="--port 'http' is not a TCP port"):
        parse_ports(["http"])
    with pytest.raises(ConfigError):
        parse_ports(["70000"])


def test_a_port_the_replica_itself_publishes_is_no_failure(tmp_path: Path) -> None:
    probes = replace(
        _healthy(tmp_path), port_free=lambda _port: False, own_port={15432}.__contains__
    )
    checks = _by_name(run_checks((15432, 15379), probes))
    assert checks["port 15432"].ok is True
    assert "this project's replica" in checks["port 15432"].detail
    assert checks["port 15379"].ok is False


def test_in_a_project_the_replicas_own_ports_are_checked() -> None:
    from greenroom.doctor import replica_ports

    found = replica_ports("prod")
    assert found is not None
    ports, _own = found
    assert len(ports) >= 5 and all(1024 < port < 65536 for port in ports)
