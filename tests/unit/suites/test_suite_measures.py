"""Figures a suite records with `record_testsuite_property` reach the ledger entry of its run."""

from __future__ import annotations

from pathlib import Path

from greenroom.release.ledger import Entry, entries, record
from greenroom.suites.report import summarize

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="network-dev" tests="1">
<properties><property name="parity_percent" value="97.3"/></properties>
<testcase classname="t" name="test_parity_reaches_its_target"/>
</testsuite></testsuites>
"""


def test_testsuite_properties_become_measures_on_the_ledger(tmp_path: Path) -> None:
    junit = tmp_path / "network.xml"
    junit.write_text(JUNIT)
    summary = summarize(junit)
    assert summary.passed and dict(summary.measures) == {"parity_percent": "97.3"}
    ledger = tmp_path / "ledger.jsonl"
    record(
        Entry(
            "network",
            "dev",
            "pass",
            "sha256:ab",
            "c0ffee",
            "00",
            "now",
            measures={**summary.measures},
        ),
        ledger,
    )
    assert entries(path=ledger)[0].measures == {"parity_percent": "97.3"}
