"""Running a suite: pytest with the injected target, a JUnit file, a ledger entry, named failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from greenroom.errors import ConfigError, SuiteError
from greenroom.release.ledger import entries
from greenroom.suites import run as run_module
from greenroom.suites.report import sha256_file
from greenroom.suites.run import run_suite
from greenroom.suites.target import Target

DIGEST = "sha256:" + "1" * 64
FAKE_TESTS = """
import pytest


def test_reachable(greenroom_target):
    assert greenroom_target.env == "dev"


def test_journey(greenroom_target, greenroom_deadline):
    assert greenroom_deadline == 7
    if greenroom_target.api_url.endswith("broken"):
        pytest.fail("hop 2/3 (outbox → JetStream) failed: not drained", pytrace=False)
"""


@pytest.fixture(scope="module")
def fake_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("suites")
    package = root / "greenroom_fake_suite"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "test_fake.py").write_text(FAKE_TESTS)
    return root


@pytest.fixture
def fake(fake_suite: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.syspath_prepend(str(fake_suite))
    monkeypatch.setitem(run_module.SUITES, "fake", "greenroom_fake_suite")
    monkeypatch.setenv("GREENROOM_WORKDIR", str(tmp_path / "work"))
    return tmp_path / "ledger.jsonl"


def _target(api_url: str = "http://127.0.0.1:1") -> Target:
    return Target(env="dev", kind="replica", api_url=api_url, digest=DIGEST)


def test_a_passing_run_is_recorded_with_its_junit_hash(fake: Path) -> None:
    run = run_suite("fake", "dev", target=_target(), deadline=7, ledger=fake)
    assert run.passed and run.summary.tests == 2
    assert run.junit.parent == Path(os.environ["GREENROOM_WORKDIR"]) / "reports"
    (entry,) = entries(DIGEST, fake)
    assert (entry.suite, entry.env, entry.result, entry.target) == (
        "fake",
        "dev",
        "pass",
        "replica",
    )
    assert entry.junit_sha256 == sha256_file(run.junit)
    assert entry.commit


def test_a_failing_run_is_recorded_and_names_the_hop(fake: Path, tmp_path: Path) -> None:
    junit = tmp_path / "out" / "smoke.xml"
    with pytest.raises(SuiteError) as err:
        run_suite(
            "fake", "dev", target=_target("http://broken"), junit=junit, deadline=7, ledger=fake
        )
    text = str(err.value)
    assert "fake failed on dev (1 check(s) failed)" in text
    assert "test_journey: hop 2/3 (outbox → JetStream) failed: not drained" in text
    assert str(junit) in (err.value.hint or "")
    assert junit.is_file()
    (entry,) = entries(DIGEST, fake)
    assert entry.result == "fail" and entry.junit == str(junit)


def test_runs_accumulate_and_a_later_pass_keeps_the_failure(fake: Path) -> None:
    with pytest.raises(SuiteError):
        run_suite("fake", "dev", target=_target("http://broken"), deadline=7, ledger=fake)
    run_suite("fake", "dev", target=_target(), deadline=7, ledger=fake)
    assert [e.result for e in entries(DIGEST, fake)] == ["fail", "pass"]


def test_an_unknown_suite_names_the_known_ones(fake: Path) -> None:
    with pytest.raises(ConfigError, match="no suite named 'nope'") as err:
        run_suite("nope", "dev", target=_target(), ledger=fake)
    assert "smoke" in (err.value.hint or "")


def test_a_target_without_digest_is_refused_before_running(fake: Path) -> None:
    target = Target(env="dev", kind="replica", api_url="http://x", digest="")
    with pytest.raises(SuiteError, match="no app image digest"):
        run_suite("fake", "dev", target=target, ledger=fake)
    assert entries(path=fake) == []


def test_the_packaged_smoke_suite_is_found() -> None:
    folder = run_module.suite_dir("smoke")
    assert folder and (folder / "test_smoke.py").is_file()


def test_a_teams_own_suite_folder_runs_after_greenrooms_checks(tmp_path: Path) -> None:
    own = tmp_path / "tests" / "exploratory"
    own.mkdir(parents=True)
    assert run_module.suite_dirs("exploratory", _target(), tmp_path) == [own]
    assert run_module.suite_dirs("contract", _target(), tmp_path) == [
        run_module.suite_dir("contract")
    ]
    (tmp_path / "tests" / "smoke").mkdir()
    dirs = run_module.suite_dirs("smoke", _target(), tmp_path)
    assert dirs == [run_module.suite_dir("smoke"), tmp_path / "tests" / "smoke"]


def test_a_suite_that_cannot_be_collected_fails_naming_the_error(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "greenroom_broken_suite"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "test_broken.py").write_text("import a_module_nobody_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(run_module.SUITES, "broken", "greenroom_broken_suite")
    with pytest.raises(SuiteError) as err:
        run_suite("broken", "dev", target=_target(), deadline=7, ledger=fake)
    assert "a_module_nobody_installed" in str(err.value) + str(err.value.details)
    (entry,) = entries(DIGEST, fake)
    assert entry.result == "fail"
