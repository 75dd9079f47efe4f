"""The pytest plugin in a user's own run: options, a clean failure without a target, no Docker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from greenroom.components.postgres.throwaway import ThrowawayPostgres
from greenroom.pytest_plugin import TargetPlugin
from greenroom.suites.report import summarize
from greenroom.suites.target import Target

USER_TESTS = """
def test_uses_the_api(api_url):
    assert api_url.startswith("http://")


def test_uses_postgres(pg_conn):
    raise AssertionError("unreachable: the target has no postgres")


def test_deadline(greenroom_deadline):
    assert greenroom_deadline == 12
"""


def _run(tmp_path: Path, name: str, *args: str, plugins: list[object] | None = None) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / f"test_{name}.py").write_text(USER_TESTS)
    junit = tmp_path / f"{name}.xml"
    pytest.main(
        [
            str(folder),
            "-c",
            os.devnull,
            "--rootdir",
            str(folder),
            "-p",
            "no:cacheprovider",
            "-q",
            f"--junitxml={junit}",
            *args,
        ],
        plugins=plugins or [],
    )
    return junit


def test_fixtures_use_an_injected_target_and_skip_what_it_lacks(tmp_path: Path) -> None:
    target = Target(env="dev", kind="replica", api_url="http://127.0.0.1:9", digest="sha256:1")
    junit = _run(tmp_path, "injected", "--greenroom-deadline=12", plugins=[TargetPlugin(target)])
    summary = summarize(junit)
    assert summary.failures == () and summary.skipped == 1 and summary.tests == 3


def test_a_target_that_cannot_resolve_fails_with_its_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [k for k in os.environ if k.startswith("GREENROOM_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GREENROOM_SMOKE_DEADLINE", "12")
    junit = _run(tmp_path, "environ", "--greenroom-env", "dev", "--greenroom-target", "environ")
    summary = summarize(junit)
    messages = [f.message for f in summary.failures]
    assert len(messages) == 2
    assert all("missing: GREENROOM_API_URL" in m for m in messages)
    assert "Traceback" not in junit.read_text()


def test_the_throwaway_password_stays_out_of_reprs() -> None:
    info = ThrowawayPostgres(host="h", port=1, user="u", password="hunter2-secret", dbname="d")
    assert "hunter2-secret" not in repr(info)
