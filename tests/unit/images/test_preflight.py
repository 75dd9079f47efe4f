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
