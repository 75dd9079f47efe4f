"""The contract suite's N-1 check with a real previous release: the reference shop copied into a
project of its own, released as v1.0.0 (its images built and smoke-tested, as a team's release
leaves them in the ledger), then built again with a new migration.

The copy runs on a replica of its own (a child namespace, moto, its own ports, secrets and images),
removed with its volumes and images at the end: the migrations it applies never reach the session's
dev replica. Its suites run as a team runs them, `greenroom test`, each in a process of its own: its
test modules have the names of the reference app's, which this process may have imported already.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from greenroom.release.ledger import Entry, entries, ledger_path
from greenroom.runtime import down, up
from greenroom.suites import resolve_target
from greenroom.suites.contract.previous import LOCAL, parse_images
from greenroom.suites.report import summarize
from tagged import git, release

SOURCE = Path(__file__).parents[3]
PROJECT = "shop-previous"
LONG_RUNNING = ("api", "worker")
EXPAND = ("0002_order_notes.sql", "ALTER TABLE orders ADD COLUMN note text;\n")
CONTRACT = ("0003_drop_customer.sql", "ALTER TABLE orders DROP COLUMN customer;\n")
GREENROOM = [sys.executable, "-m", "greenroom"]
N1 = "test_the_previous_release_passes_smoke_on_this_builds_schema"


@dataclass
class Shop:
    """The released project, the images its release ran, and every image built since."""

    root: Path
    released: dict[str, str]
    built: set[str] = field(default_factory=set)

    def build(self, *migrations: tuple[str, str]) -> dict[str, str]:
        """The next build: ``migrations`` added and committed, the replica brought up on it."""
        for name, sql in migrations:
            (self.root / "app/migrations" / name).write_text(sql)
        git(self.root, "add", "-A", ".")
        git(self.root, "commit", "-q", "-m", "next build")
        up("dev")
        images = dict(resolve_target("dev").images)
        self.built |= set(images.values())
        return images

    def test(self, suite: str, junit: Path) -> tuple[subprocess.CompletedProcess[str], Entry]:
        """`greenroom test SUITE` on the copy's replica: its output and its ledger entry."""
        ran = subprocess.run(
            [*GREENROOM, "test", suite, "--env", "dev", "--junit", str(junit)],
            capture_output=True,
            text=True,
            check=False,
        )
        recorded = [e for e in entries(path=ledger_path()) if e.junit == str(junit)]
        assert recorded, f"{suite} left no ledger entry: {ran.stderr[-2000:]}"
        return ran, recorded[-1]


def _copy(root: Path) -> None:
    """The reference shop as a project of its own, on moto and ports no other test uses."""
    ignored = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".mypy_cache")
    shutil.copytree(SOURCE / "app", root / "app", ignore=ignored)
    shutil.copytree(SOURCE / "envs", root / "envs")
    base, dev = root / "envs/base.yaml", root / "envs/dev.yaml"
    base.write_text(base.read_text().replace("project: shop\n", f"project: {PROJECT}\n", 1))
    dev.write_text(
        dev.read_text().replace("port_base: 15000", "port_base: 24000", 1)
        + "\ncomponents:\n  aws:\n    emulator: moto\n"
    )
    (root / ".gitignore").write_text(".greenroom/\n")


def outcomes(junit: Path) -> dict[str, str]:
    """Test name -> passed, failure, error or skipped, from a JUnit file."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        state = next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "passed")
        found[str(case.get("name"))] = state
    return found


def _remove_images(shop: Shop) -> None:
    """The copy's image tags, then every image it built that nothing else names or runs.

    A build of unchanged sources is the very image the reference app's own build made: tagged by
    another project, it stays.
    """
    tags = [f"greenroom-app/{PROJECT}-app:latest"] + [
        f"{LOCAL}/{service}:{image.removeprefix('sha256:')[:12]}"
        for service, image in shop.released.items()
    ]
    for ref in tags:
        subprocess.run(["docker", "image", "rm", ref], capture_output=True, check=False)
    for image in sorted(shop.built):
        named = subprocess.run(
            ["docker", "image", "inspect", "--format", "{{len .RepoTags}}", image],
            capture_output=True,
            text=True,
            check=False,
        )
        if named.returncode == 0 and named.stdout.strip() == "0":
            subprocess.run(["docker", "image", "rm", image], capture_output=True, check=False)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The shop released as v1.0.0: up on its own replica, smoke passed and in its ledger."""
    work = tmp_path_factory.mktemp("previous")
    root = work / "shop"
    _copy(root)
    release(root, "v1.0.0")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GREENROOM_ROOT", str(root))
        env.setenv("GREENROOM_NAMESPACE", f"{os.environ['GREENROOM_NAMESPACE']}-n1")
        env.setenv("XDG_STATE_HOME", str(work / "state"))
        env.delenv("GREENROOM_WORKDIR", raising=False)
        env.delenv("GREENROOM_LEDGER", raising=False)
        shop = Shop(root, {})
        try:
            up("dev")
            ran, entry = shop.test("smoke", work / "smoke.xml")
            assert ran.returncode == 0 and entry.passed, ran.stderr[-2000:]
            shop.released = {name: entry.images[name] for name in LONG_RUNNING}
            shop.built |= set(entry.images.values())
            yield shop
        finally:
            down("dev", volumes=True, yes=True)
            _remove_images(shop)


def test_the_previous_release_runs_on_this_builds_expanded_schema(
    shop: Shop, tmp_path: Path
) -> None:
    built = shop.build(EXPAND)
    for service in LONG_RUNNING:
        assert built[service] != shop.released[service], "the new build is a new image"
    ran, entry = shop.test("contract", tmp_path / "contract.xml")
    assert ran.returncode == 0 and entry.passed, ran.stderr[-2000:]
    assert outcomes(tmp_path / "contract.xml")[N1] == "passed"
    assert entry.measures["previous_release"] == "v1.0.0"
    assert parse_images(entry.measures["previous_images"]) == shop.released
    assert resolve_target("dev").images == built, "the replica is back on this build"


def test_a_contracting_migration_fails_naming_the_previous_release_and_the_way_out(
    shop: Shop, tmp_path: Path
) -> None:
    built = shop.build(EXPAND, CONTRACT)
    ran, entry = shop.test("contract", tmp_path / "contract.xml")
    assert ran.returncode != 0 and not entry.passed
    failures = {f.test: f.message for f in summarize(tmp_path / "contract.xml").failures}
    images = ", ".join(f"{s} {shop.released[s][:19]}" for s in LONG_RUNNING)
    said = failures[N1]
    assert said.startswith(
        f"the previous release v1.0.0 ({images}) fails smoke on the schema this build's "
        "migrations leave: test_order_journey: "
    )
    assert "To fix it, ship the schema change as expand first" in said
    assert "contract (drop, rename) in a later release" in said
    assert f"{N1}: {said}" in ran.stderr, "the run's error names it too"
    assert resolve_target("dev").images == built, "the replica is back on this build"
