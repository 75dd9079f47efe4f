"""After `down`, nothing of a replica is left but its named data volumes: the unnamed volumes
an image's `VOLUME` makes go with the replica."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from collections.abc import Iterator

import pytest

from greenroom.runtime import Replica, down, up
from greenroom.runtime.containers import anonymous_volumes, project_containers

ANONYMOUS = re.compile(r"[0-9a-f]{64}")
CYCLES = 5


def _unnamed_volumes() -> set[str]:
    names = subprocess.run(
        ["docker", "volume", "ls", "-q"], capture_output=True, text=True, check=True
    ).stdout.split()
    return {n for n in names if ANONYMOUS.fullmatch(n)}


@pytest.fixture
def image_with_volume() -> Iterator[str]:
    """A team's own image declaring a `VOLUME` (greenroom's Redis below, so it keeps running)."""
    tag = f"greenroom-test/with-volume:{secrets.token_hex(4)}"
    subprocess.run(
        ["docker", "build", "--quiet", "--tag", tag, "-"],
        input='FROM greenroom/redis:8.0\nVOLUME ["/scratch"]\n',
        text=True,
        capture_output=True,
        check=True,
        env={**os.environ, "DOCKER_BUILDKIT": "0"},
    )
    yield tag
    subprocess.run(["docker", "image", "rm", tag], capture_output=True, check=False)


@pytest.fixture
def own_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child of the tests' namespace: cycling dev here leaves the session's dev replica alone."""
    monkeypatch.setenv("GREENROOM_NAMESPACE", f"{os.environ['GREENROOM_NAMESPACE']}-volumes")


def test_up_down_cycles_leave_no_unnamed_volume(
    image_with_volume: str, own_namespace: None
) -> None:
    overrides = [
        "components.aws.emulator=moto",
        "exposure.port_base=21000",
        f"services.scratch.image={image_with_volume}",
    ]
    project = Replica.open("dev", overrides).project
    before = _unnamed_volumes()
    seen: set[str] = set()
    try:
        for _ in range(CYCLES):
            up("dev", overrides=overrides)
            seen |= anonymous_volumes(project_containers(project))
            down("dev", overrides=overrides)
    finally:
        down("dev", volumes=True, yes=True, overrides=overrides)
    after = _unnamed_volumes()
    assert seen, "the replica mounted no unnamed volume, so this test proves nothing"
    assert not seen & after, f"left behind: {sorted(seen & after)}"
    assert len(after) == len(before), f"new unnamed volumes: {sorted(after - before)}"
