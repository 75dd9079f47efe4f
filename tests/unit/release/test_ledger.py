"""The release ledger: append-only evidence per digest, read back exactly as recorded."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from greenroom.release.ledger import Entry, LedgerError, entries, latest, record

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64


def _entry(**changes: str) -> Entry:
    base = Entry(
        suite="smoke",
        env="dev",
        result="pass",
        digest=A,
        commit="c0ffee",
        junit_sha256="f" * 64,
        time="2025-01-01T00:00:00+00:00",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_entries_come_back_in_order_and_filtered_by_digest(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    record(_entry(result="fail"), ledger)
    record(_entry(digest=B), ledger)
    record(_entry(), ledger)
    assert [e.result for e in entries(path=ledger)] == ["fail", "pass", "pass"]
    assert [e.result for e in entries(A, ledger)] == ["fail", "pass"]
    assert [e.digest for e in entries(B, ledger)] == [B]


def test_a_failure_stays_when_another_digest_passes_later(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    record(_entry(result="fail", time="2025-01-01T00:00:00+00:00"), ledger)
    record(_entry(digest=B, time="2025-01-01T00:05:00+00:00"), ledger)
    found = latest(A, "smoke", "dev", ledger)
    assert found is not None and found.result == "fail" and not found.passed
    later = latest(B, "smoke", "dev", ledger)
    assert later is not None and later.passed


def test_latest_is_per_suite_and_env(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    record(_entry(env="stage", result="fail"), ledger)
    record(_entry(env="dev"), ledger)
    assert latest(A, "smoke", "prod", ledger) is None
    assert latest(A, "contract", "dev", ledger) is None
    stage = latest(A, "smoke", "stage", ledger)
    assert stage is not None and stage.result == "fail"


def test_recording_only_appends(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    record(_entry(), ledger)
    first = ledger.read_bytes()
    record(_entry(result="fail"), ledger)
    assert ledger.read_bytes().startswith(first)
    lines = ledger.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["result"] == "fail"


def test_a_missing_ledger_has_no_entries(tmp_path: Path) -> None:
    assert entries(path=tmp_path / "none.jsonl") == []
    assert latest(A, "smoke", "dev", tmp_path / "none.jsonl") is None


def test_a_damaged_line_is_named(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    record(_entry(), ledger)
    with ledger.open("a") as handle:
        handle.write("{not json\n")
    with pytest.raises(LedgerError, match="damaged at line 2") as err:
        entries(path=ledger)
    assert err.value.hint


def test_a_run_without_digest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="no image digest"):
        record(_entry(digest=""), tmp_path / "ledger.jsonl")


def test_the_default_ledger_lives_in_the_work_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GREENROOM_WORKDIR", str(tmp_path / "work"))
    record(_entry())
    assert (tmp_path / "work" / "ledger.jsonl").is_file()
    assert [e.digest for e in entries()] == [A]


def test_a_variable_points_the_ledger_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GREENROOM_LEDGER", str(tmp_path / "ci" / "evidence.jsonl"))
    record(_entry())
    assert (tmp_path / "ci" / "evidence.jsonl").is_file()
