"""Local builds fail early, with the fix, when a prerequisite is missing."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from greenroom.errors import ImageError
from greenroom.images import local


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_missing_debootstrap_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(local.os, "geteuid", lambda: 0)
    monkeypatch.setattr(local.shutil, "which", lambda _tool: None)
    with pytest.raises(ImageError) as caught:
        local.preflight("http://127.0.0.1:1/debian", tmp_path)
    assert "debootstrap is not installed" in str(caught.value)
    assert "apt-get install debootstrap" in (caught.value.hint or "")


def test_unreachable_mirror_is_named_with_where_it_came_from(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(local.os, "geteuid", lambda: 0)
    monkeypatch.setattr(local.shutil, "which", lambda _tool: "/usr/sbin/debootstrap")
    mirror = f"http://127.0.0.1:{_closed_port()}/debian"
    with pytest.raises(ImageError) as caught:
        local.preflight(mirror, tmp_path)
    assert f"the Debian mirror {mirror} is unreachable" in str(caught.value)
    assert "/etc/apt/sources.list" in (caught.value.hint or "")


def test_non_root_is_pointed_at_registry_pulls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local.os, "geteuid", lambda: 1000)
    with pytest.raises(ImageError) as caught:
        local.preflight("http://127.0.0.1:1/debian", Path("/"))
    assert "need root" in str(caught.value)
    assert "--source registry" in (caught.value.hint or "")


def test_disk_full_and_engine_down_get_their_own_fix() -> None:
    from greenroom.errors import EngineError
    from greenroom.images import engine

    full = engine.failure(
        ImageError,
        "docker load of x failed",
        ["docker", "load"],
        1,
        "write /var/lib/docker/tmp/x: no space left on device",
        "h",
    )
    assert isinstance(full, ImageError)
    assert "the disk is full" in str(full) and "docker system prune" in (full.hint or "")
    down = engine.failure(
        ImageError,
        "building x",
        ["docker", "build"],
        1,
        "Cannot connect to the Docker daemon at unix:///x.sock.",
        "h",
    )
    assert isinstance(down, EngineError)
    assert "DOCKER_HOST" in (down.hint or "")
    other = engine.failure(
        ImageError,
        "pip download failed",
        ["pip", "download", "-r", "a", "b"],
        2,
        "ERROR: No matching distribution",
        "check the index",
    )
    assert str(other).startswith("pip download failed (pip download -r a ... exited 2)")
    assert other.hint == "check the index"
