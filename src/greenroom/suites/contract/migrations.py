"""New migrations linted with squawk, each finding at the severity the model gives its rule."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from greenroom.errors import ConfigError, SuiteError
from greenroom.model.types import MigrationLint, Severity
from greenroom.suites.contract.history import Release, files_at


@dataclass(frozen=True)
class Finding:
    """One squawk finding in one migration file, with the severity the model gives its rule."""

    file: str
    line: int
    """1-based."""
    rule: str
    message: str
    severity: Severity

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message} [{self.rule}, {self.severity}]"


def squawk() -> str:
    """The squawk executable: next to this Python (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "squawk"
    found = str(beside) if beside.is_file() else shutil.which("squawk")
    if not found:
        raise ConfigError(
            "squawk is not installed, so migrations cannot be linted",
            hint="install it with greenroom (`pip install squawk-cli`)",
        )
    return found


def new_migrations(root: Path, spec: MigrationLint, last: Release | None) -> list[str]:
    """The `*.sql` files under the model's folder that the last promoted release did not carry."""
    folder = root / spec.path
    if not folder.is_dir():
        raise ConfigError(
            f"contracts.migrations.path is {spec.path}, which is not a folder of {root}",
            hint="point it at the folder of the project's *.sql migrations",
        )
    present = sorted(str(p.relative_to(root)) for p in folder.rglob("*.sql"))
    shipped = files_at(root, last, spec.path) if last else set()
    return [p for p in present if p not in shipped]


def argv(spec: MigrationLint, files: Sequence[str]) -> list[str]:
    """squawk's command line: JSON findings, the rules the model turns off excluded."""
    args = [squawk(), "--reporter", "json"]
    off = sorted(rule for rule, severity in spec.rules.items() if severity == "off")
    if off:
        args.append(f"--exclude={','.join(off)}")
    if spec.pg_version:
        args.append(f"--pg-version={spec.pg_version}")
    if spec.transactional:
        args.append("--assume-in-transaction")
    return [*args, *files]


def lint(root: Path, spec: MigrationLint, files: Sequence[str]) -> list[Finding]:
    """Every finding in ``files`` (paths relative to ``root``) but those whose rule is off."""
    if not files:
        return []
    try:
        done = subprocess.run(
            argv(spec, files), cwd=root, capture_output=True, text=True, timeout=120, check=False
        )
        raw = json.loads(done.stdout or "[]")
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise SuiteError(
            f"squawk could not lint {', '.join(files)}: {exc}",
            hint="run `squawk` on the files by hand to see what it says",
        ) from exc
    findings = []
    for item in raw:
        rule = str(item.get("rule_name", "?"))
        severity: Severity = "error" if rule == "syntax-error" else spec.severity(rule)
        if severity != "off":
            findings.append(
                Finding(
                    file=str(item.get("file", "?")),
                    line=int(item.get("line", 0)) + 1,
                    rule=rule,
                    message=str(item.get("message", "")),
                    severity=severity,
                )
            )
    return findings
