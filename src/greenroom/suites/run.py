"""Run a packaged suite with pytest against one target and put the verdict in the release ledger."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any

from greenroom.errors import ConfigError, SuiteError
from greenroom.release.ledger import Entry, now, record
from greenroom.suites.report import Summary, git_commit, sha256_file, summarize
from greenroom.suites.target import Target, resolve_target

SUITES: dict[str, str] = {
    "contract": "greenroom.suites.contract",
    "network": "greenroom.suites.network",
    "replay": "greenroom.suites.replay",
    "smoke": "greenroom.suites.smoke",
}
"""Suite name -> the package holding its tests."""

REPORTS = "reports"
SHOWN_FAILURES = 5


@dataclass(frozen=True)
class SuiteRun:
    """One finished run: its ledger entry, its JUnit file and what failed."""

    entry: Entry
    junit: Path
    summary: Summary

    @property
    def passed(self) -> bool:
        return self.entry.passed


def suite_dir(suite: str) -> Path | None:
    """The folder of greenroom's own checks for ``suite`` inside the package, if it has one."""
    if suite not in SUITES:
        return None
    module = import_module(SUITES[suite])
    assert module.__file__
    return Path(module.__file__).parent


def team_dir(suite: str, target: Target, root: Path) -> Path | None:
    """The team's own tests for ``suite``: the model's `suites.<suite>.path`, else tests/<suite>."""
    spec = target.model.suites.get(suite) if target.model is not None else None
    path = root / (spec.path if spec and spec.path else f"tests/{suite}")
    if path.is_dir():
        return path
    if spec and spec.path:
        raise ConfigError(
            f"suites.{suite}.path is {spec.path}, which is not a folder of {root}",
            hint=f"create {path} with the team's test_*.py files, or fix the path in envs/",
        )
    return None


def suite_dirs(suite: str, target: Target, root: Path) -> list[Path]:
    """greenroom's own checks first, then the team's tests; an error when there are neither."""
    found = [d for d in (suite_dir(suite), team_dir(suite, target, root)) if d is not None]
    if not found:
        raise ConfigError(
            f"no suite named {suite!r}: greenroom has no {suite} checks and {root}/tests/{suite} "
            "does not exist",
            hint=f"put the {suite} tests in tests/{suite}/ or name their folder in envs/ "
            f"(suites: {{{suite}: {{path: ...}}}}); greenroom's own: {', '.join(sorted(SUITES))}",
        )
    return found


def default_junit(suite: str, env: str, workdir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return workdir / REPORTS / f"{suite}-{env}-{stamp}.xml"


def pytest_args(
    suite: str,
    env: str,
    junit: Path,
    folders: Sequence[Path],
    *,
    deadline: float | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """The argv of one run: the suite's folders, no project config, no cache, a JUnit file."""
    args = [
        *map(str, folders),
        "-c",
        os.devnull,
        "--rootdir",
        str(folders[-1]),
        "-p",
        "no:cacheprovider",
        "--tb=short",
        "-ra",
        f"--junitxml={junit}",
        "-o",
        f"junit_suite_name={suite}-{env}",
        "-o",
        "junit_family=xunit2",
        "-o",
        "console_output_style=classic",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
    ]
    if deadline is not None:
        args.append(f"--greenroom-deadline={deadline:g}")
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args += ["-p", "greenroom.pytest_plugin"]
    return [*args, *extra]


def run_suite(
    suite: str = "smoke",
    env: str = "dev",
    *,
    target: str | Target = "replica",
    junit: str | Path | None = None,
    overrides: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    deadline: float | None = None,
    ledger: Path | None = None,
    extra_args: Sequence[str] = (),
    root: Path | None = None,
) -> SuiteRun:
    """Run ``suite`` against ``env`` (a replica, variables, or a given Target); record the verdict.

    Returns the run when it passed; raises SuiteError naming the failures (the run is recorded as
    a failure first). ``extra_args`` go to pytest (``-k``, ``-x``...). ``root``: the project
    whose tests, contracts and git history the suite reads (default: the current one).
    """
    import pytest

    from greenroom.paths import workdir
    from greenroom.pytest_plugin import TargetPlugin

    resolved = (
        target
        if isinstance(target, Target)
        else resolve_target(env, target, overrides=overrides, environ=environ)
    )
    if not resolved.digest:
        raise SuiteError(
            f"{env}: no app image digest to record the {suite} run against",
            hint=f"bring the replica up with `inv up {env}` (it builds the app images)",
        )
    checkout = root or _checkout()
    folders = suite_dirs(suite, resolved, checkout)
    path = Path(junit) if junit else default_junit(suite, resolved.env, workdir())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    args = pytest_args(suite, resolved.env, path, folders, deadline=deadline, extra=extra_args)
    interrupts = _Interrupts()
    code = pytest.main(args, plugins=[TargetPlugin(resolved, checkout), interrupts])
    if interrupts.seen:
        raise KeyboardInterrupt
    if not path.exists():
        raise SuiteError(
            f"the {suite} suite did not run (pytest exit code {int(code)})",
            hint="read pytest's output above; check extra pytest arguments",
        )
    summary = summarize(path)
    passed = code == pytest.ExitCode.OK and summary.passed
    entry = evidence(suite, resolved, path, passed, summary.measures, checkout, ledger)
    run = SuiteRun(entry=entry, junit=path, summary=summary)
    if not passed:
        raise SuiteError(failure_message(run), details=failure_details(run), hint=failure_hint(run))
    return run


class _Interrupts:
    """Tells Ctrl-C from a collection error: pytest exits with the same code for both, and calls
    this hook for both (a collection error is raised as a subclass of KeyboardInterrupt)."""

    seen = False

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        self.seen = excinfo.type is KeyboardInterrupt


def evidence(
    suite: str,
    target: Target,
    report: Path,
    passed: bool,
    measures: Mapping[str, str],
    checkout: Path,
    ledger: Path | None = None,
) -> Entry:
    """Record one run of ``suite`` (or a drill) against ``target``: its report, result, figures."""
    return record(
        Entry(
            suite=suite,
            env=target.env,
            result="pass" if passed else "fail",
            digest=target.digest,
            commit=git_commit(checkout),
            junit_sha256=sha256_file(report),
            time=now(),
            target=target.kind,
            junit=str(report),
            images=dict(target.images),
            measures=dict(measures),
        ),
        ledger,
    )


def _checkout() -> Path:
    from greenroom.paths import project_root

    try:
        return project_root()
    except ConfigError:
        return Path.cwd()


def failure_message(run: SuiteRun) -> str:
    count = len(run.summary.failures)
    what = f"{count} check(s) failed" if count else "nothing ran"
    return (
        f"{run.entry.suite} failed on {run.entry.env} ({what}); recorded as a failure for "
        f"{run.entry.digest[:19]}"
    )


def failure_details(run: SuiteRun) -> str:
    shown = [f"  {f}" for f in run.summary.failures[:SHOWN_FAILURES]]
    more = len(run.summary.failures) - SHOWN_FAILURES
    return "\n".join(shown + ([f"  ... and {more} more"] if more > 0 else []))


def failure_hint(run: SuiteRun) -> str:
    logs = (
        f"`inv logs {run.entry.env} --service <service>`"
        if run.entry.target == "replica"
        else "its logs"
    )
    return f"fix the named hop or component (see {logs}), then run it again; JUnit: {run.junit}"
