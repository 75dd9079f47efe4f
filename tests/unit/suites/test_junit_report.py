"""Reading a JUnit file back: failures in order, first line only, pytest's prefixes stripped."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenroom.suites.report import git_commit, sha256_file, summarize

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="smoke-dev" tests="4">
  <testcase classname="test_smoke" name="test_reachable[postgres]"/>
  <testcase classname="test_smoke" name="test_refused_without_credentials[redis]">
    <skipped message="auth is off"/>
  </testcase>
  <testcase classname="test_smoke" name="test_order_journey">
    <failure message="Failed: hop 3/6 (outbox → JetStream) failed: outbox row not drained&#10;more">
    long text</failure>
  </testcase>
  <testcase classname="test_smoke" name="test_reachable[nats]">
    <error message="failed on setup with &quot;ConnectionRefusedError&quot;">trace</error>
  </testcase>
</testsuite></testsuites>
"""


def test_failures_and_errors_are_read_in_order(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)
    summary = summarize(path)
    assert (summary.tests, summary.skipped) == (4, 1)
    assert not summary.passed
    first, second = summary.failures
    assert str(first) == (
        "test_order_journey: hop 3/6 (outbox → JetStream) failed: outbox row not drained"
    )
    assert second.kind == "error" and str(second).startswith("test_reachable[nats] (error):")


def test_an_empty_run_did_not_pass(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text('<testsuites><testsuite name="x" tests="0"/></testsuites>')
    assert not summarize(path).passed


def test_file_hash_is_sha256(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert sha256_file(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_outside_git_the_commit_comes_from_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.setenv("GREENROOM_GIT_COMMIT", "abc123")
    assert git_commit(tmp_path) == "abc123"
    monkeypatch.delenv("GREENROOM_GIT_COMMIT")
    assert git_commit(tmp_path) == "unknown"
