"""What a suite run left behind: the JUnit file's verdicts, its hash, and the checkout's commit."""

from __future__ import annotations

import hashlib
import os
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Failure:
    """One failed or errored test: its name and the first line of what it reported."""

    test: str
    message: str
    kind: str = "failure"
    """``failure`` (an assertion) or ``error`` (setup or teardown broke)."""

    def __str__(self) -> str:
        return (
            f"{self.test}: {self.message}"
            if self.kind == "failure"
            else (f"{self.test} (error): {self.message}")
        )


@dataclass(frozen=True)
class Summary:
    tests: int
    failures: tuple[Failure, ...]
    skipped: int
    measures: Mapping[str, str] = field(default_factory=dict)
    """The suite's recorded properties (pytest's `record_testsuite_property`)."""

    @property
    def passed(self) -> bool:
        return self.tests > 0 and not self.failures


def _message(node: ET.Element) -> str:
    text = node.get("message") or (node.text or "").strip()
    if text == "collection failure":
        # What failed to import, from the last `E ` line pytest wrote below.
        raised = [line[1:].strip() for line in (node.text or "").splitlines() if line[:1] == "E"]
        text = f"collection failure: {raised[-1]}" if raised else text
    for prefix in ("Failed: ", "AssertionError: "):
        text = text.removeprefix(prefix)
    return text.strip().splitlines()[0] if text.strip() else "(no message)"


def summarize(junit: Path) -> Summary:
    """Failures in the order they ran, from a pytest JUnit XML file."""
    root = ET.parse(junit).getroot()
    tests = skipped = 0
    failures: list[Failure] = []
    for case in root.iter("testcase"):
        tests += 1
        name = case.get("name", "?")
        for kind in ("failure", "error"):
            for node in case.findall(kind):
                failures.append(Failure(name, _message(node), kind))
        if case.find("skipped") is not None:
            skipped += 1
    measures = {
        str(node.get("name")): str(node.get("value", ""))
        for node in root.iter("property")
        if node.get("name")
    }
    return Summary(tests=tests, failures=tuple(failures), skipped=skipped, measures=measures)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def git_commit(root: Path) -> str:
    """HEAD of the checkout at ``root`` (``+dirty`` when it has changes), else GREENROOM_GIT_COMMIT.

    Outside git (a CI artefact, an unpacked sdist) the variable, or ``unknown``.
    """
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if head.returncode == 0:
            dirty = subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            )
            suffix = "+dirty" if dirty.returncode == 0 and dirty.stdout.strip() else ""
            return head.stdout.strip() + suffix
    except (OSError, subprocess.TimeoutExpired):
        pass
    return os.environ.get("GREENROOM_GIT_COMMIT", "").strip() or "unknown"
