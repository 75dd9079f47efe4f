"""The N-1 check: where the previous release's images come from, which services run them, and
what a failure on the new schema tells the team to do."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from greenroom.model import load_environment
from greenroom.model.environment import Environment
from greenroom.release.ledger import Entry, record
from greenroom.suites.contract import previous
from tagged import git, release

OLD, NEW = "sha256:" + "a" * 64, "sha256:" + "b" * 64
JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="smoke-dev" tests="3">
<testcase name="test_service_answers[api]"/>
<testcase name="test_order_journey"><failure message="hop 1/6 (client → API) failed: POST /orders
answered 500">trace</failure></testcase>
<testcase name="test_service_answers[worker]"/>
</testsuite></testsuites>
"""


@pytest.fixture
def env() -> Environment:
    return load_environment("dev")


def _run(commit: str, result: str = "pass", images: str = OLD) -> Entry:
    return Entry(
        suite="smoke",
        env="dev",
        result=result,  # type: ignore[arg-type]
        digest=images,
        commit=commit,
        junit_sha256="",
        time="2026-01-01T00:00:00+00:00",
        images={"api": images, "migrate": images},
    )


def test_the_previous_images_replace_only_long_running_services(
    monkeypatch: pytest.MonkeyPatch, env: Environment
) -> None:
    tagged: list[tuple[str, str]] = []
    monkeypatch.setattr("greenroom.images.engine.tag", lambda a, b: tagged.append((a, b)))
    images = previous.parse_images("api=sha256:aaaaaaaaaaaaaaaa, migrate=sha256:bbbb,,stray")
    assert images == {"api": "sha256:aaaaaaaaaaaaaaaa", "migrate": "sha256:bbbb"}
    assert previous.long_running(env, {**images, "gone": "x"}) == {"api": "sha256:aaaaaaaaaaaaaaaa"}
    assert previous.overrides(env, images) == [
        "services.api.build=null",
        "services.api.image=greenroom-previous/api:aaaaaaaaaaaa",
    ], "migrations stay on the new build"
    assert tagged == [("sha256:aaaaaaaaaaaaaaaa", "greenroom-previous/api:aaaaaaaaaaaa")]
    assert previous.not_run({"api": "sha256:a"}, {"api": "sha256:a", "worker": "x"}) == ""
    assert previous.not_run({"api": "sha256:a"}, {"api": "sha256:b"}) == (
        "api ran sha256:b, not sha256:a"
    )


def test_the_previous_images_are_a_passing_run_at_the_last_release_tag(
    tmp_path: Path, env: Environment
) -> None:
    root, ledger = tmp_path / "project", tmp_path / "ledger.jsonl"
    root.mkdir()
    assert previous.previous_images(root, env, {}, ledger) is None, "no release yet"
    release(root, "v1.0.0")
    tagged = git(root, "rev-parse", "HEAD").strip()
    release(root, "v1.1.0")
    last = git(root, "rev-parse", "HEAD").strip()
    record(_run(last, "fail", NEW), ledger)
    record(_run(tagged, "pass", NEW), ledger)
    assert previous.previous_images(root, env, {}, ledger) is None, "v1.1.0 never passed"
    record(_run(f"{last}+dirty", "pass", OLD), ledger)
    record(_run("0" * 40, "pass", NEW), ledger)
    assert previous.previous_images(root, env, {}, ledger) == (
        "v1.1.0",
        {"api": OLD, "migrate": OLD},
    )
    given = {previous.VARIABLE: f"api={NEW}"}
    assert previous.previous_images(root, env, given, ledger) == (previous.VARIABLE, {"api": NEW})


def test_a_release_is_described_by_its_short_image_ids() -> None:
    assert previous.described("v1.0.0", {"worker": NEW, "api": "shop/api:1.0"}) == (
        "v1.0.0 (api shop/api:1.0, worker sha256:bbbbbbbbbbbb)"
    )


def test_a_smoke_failure_names_the_release_the_check_and_the_way_out(tmp_path: Path) -> None:
    junit = tmp_path / "smoke.xml"
    junit.write_text(JUNIT, encoding="utf-8")
    ran = subprocess.CompletedProcess(["greenroom"], 1, "", "smoke failed on dev")
    said = previous.failure("v1.0.0 (api sha256:aaaaaaaaaaaa)", "dev", ran, junit)
    assert said == (
        "the previous release v1.0.0 (api sha256:aaaaaaaaaaaa) fails smoke on the schema this "
        "build's migrations leave: test_order_journey: hop 1/6 (client → API) failed: POST "
        f"/orders answered 500. To fix it, {previous.EXPAND_FIRST}"
    )
    assert "\n" not in said, "the suite reports a failure's first line"


def test_a_previous_release_that_does_not_come_up_says_where_to_look(tmp_path: Path) -> None:
    stderr = "starting api\nerror: api is not healthy\n\nhint: read its log\n"
    ran = subprocess.CompletedProcess(["greenroom"], 1, "", stderr)
    said = previous.failure("v1.0.0 (api sha256:aaaaaaaaaaaa)", "dev", ran, tmp_path / "none.xml")
    assert said.startswith(
        "the previous release v1.0.0 (api sha256:aaaaaaaaaaaa) does not come up on the schema "
        "this build's migrations leave: starting api / error: api is not healthy / hint: read "
        "its log (see `inv logs dev`). If the schema is why, ship the schema change as expand "
        "first"
    )
