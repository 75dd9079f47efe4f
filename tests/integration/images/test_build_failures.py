"""A failed local build names the problem, tags nothing, leaves no mount or temporary dir."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from greenroom.errors import ImageError
from greenroom.images import engine
from greenroom.images.catalog import ImageSpec
from greenroom.images.local import build_local
from greenroom.paths import cache_dir
from greenroom.progress import Progress


def _mounts_under(path: Path) -> list[str]:
    prefix = str(path.resolve())
    return [
        line.split()[1]
        for line in Path("/proc/self/mounts").read_text().splitlines()
        if line.split()[1].startswith(prefix)
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="local builds need root")
def test_unknown_package_fails_cleanly(local_images: dict[str, str], tmp_path: Path) -> None:
    name = f"broken{uuid.uuid4().hex[:6]}"
    recipe = tmp_path / name
    recipe.mkdir()
    (recipe / "Dockerfile").write_text('FROM ${BASE_IMAGE}\nADD layer.tar /\nCMD ["true"]\n')
    spec = ImageSpec(
        name, "test", "none", packages=("greenroom-no-such-package",), recipes=tmp_path
    )
    with Progress([name], live=False) as progress, pytest.raises(ImageError) as caught:
        build_local([spec], progress)
    assert "apt-get install greenroom-no-such-package failed" in str(caught.value)
    assert "Unable to locate package" in str(caught.value)
    assert engine.image_id(spec.ref) is None
    cache = cache_dir()
    assert _mounts_under(cache) == []
    leftovers = [p.name for p in (cache / "layers").iterdir() if ".partial-" in p.name]
    leftovers += [p.name for p in (cache / "tmp").glob(f"{name}-*")]
    assert leftovers == []


def test_images_with_an_unreachable_engine_says_how_to_fix_it() -> None:
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent.sock"}
    result = subprocess.run(
        [sys.executable, "-m", "greenroom", "images", "--source", "local"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "the Docker engine is unreachable" in result.stderr
    assert "DOCKER_HOST" in result.stderr and "nonexistent.sock" in result.stderr
