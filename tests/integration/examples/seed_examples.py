"""The seed systems' example projects, each driven from its own folder as its team would.

Every command is `python -m greenroom ...` with the example folder as the working directory; the
runs' evidence goes to a throwaway ledger and JUnit folder, never the example's own.
"""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greenroom_cli import greenroom_in

EXAMPLES = Path(__file__).parents[3] / "examples"


@dataclass
class Example:
    """One example project and the folder its runs write their evidence to."""

    folder: Path
    evidence: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return greenroom_in(self.folder, *args, ledger=self.evidence / "ledger.jsonl", check=check)

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args).stdout)


@dataclass
class SuiteRun:
    """One suite's run: its exit code, output and the JUnit verdict of every test by name."""

    returncode: int
    output: str
    verdicts: dict[str, str] = field(default_factory=dict)
    parity: dict[str, Any] = field(default_factory=dict)

    def published(self) -> set[str]:
        """What the network suite found published on every interface of the host."""
        return {
            p["property"].split(":")[0]
            for p in self.parity.get("properties", [])
            if p["property"].endswith("is published on all interfaces")
            and p["verdict"] == "verified"
        }


def junit_verdicts(path: Path) -> dict[str, str]:
    """Test name -> passed, failed or skipped, from a JUnit XML file."""
    verdicts: dict[str, str] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped" and outcome == "passed":
                outcome = "skipped"
        verdicts[case.get("name", "?")] = outcome
    return verdicts


def run_suite(example: Example, suite: str, env: str) -> SuiteRun:
    junit = example.evidence / f"{suite}-{env}.xml"
    done = example.run("test", suite, "--env", env, "--junit", str(junit), check=False)
    run = SuiteRun(done.returncode, done.stdout + done.stderr)
    if junit.exists():
        run.verdicts = junit_verdicts(junit)
    parity = junit.with_suffix(".parity.json")
    if parity.exists():
        run.parity = json.loads(parity.read_text())
    return run


@dataclass
class EnvRun:
    """An example's environment, up, with its smoke and network runs."""

    name: str
    example: Example
    smoke: SuiteRun
    network: SuiteRun
    up: str = ""
    """What `up` printed (stdout and stderr)."""


def bring_up(name: str, env: str, evidence: Path) -> Iterator[EnvRun]:
    """Up ENV from the example's folder, run smoke and network, and always take it down."""
    example = Example(EXAMPLES / name, evidence)
    upped = example.run("up", env)
    try:
        yield EnvRun(
            env,
            example,
            run_suite(example, "smoke", env),
            run_suite(example, "network", env),
            upped.stdout + upped.stderr,
        )
    finally:
        example.run("down", env, "--volumes", "--yes", check=False)
