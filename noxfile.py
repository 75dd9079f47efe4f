"""Sessions: `nox` runs lint, unit tests and integration tests; `nox -s bench` runs the benchmarks.

Sessions run in the project's own virtualenv (made by scripts/bootstrap), so a fresh checkout needs
one install, not one per session.
"""

from __future__ import annotations

import os
import sys

import nox

nox.options.sessions = ["lint", "tests", "integration"]
nox.options.error_on_missing_interpreters = True

PY = sys.executable


def _pytest(session: nox.Session, *args: str) -> None:
    session.run(PY, "-m", "pytest", *args, *session.posargs, external=True)


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """ruff (lint + format) and mypy strict on the package."""
    session.run(PY, "-m", "ruff", "check", ".", external=True)
    session.run(PY, "-m", "ruff", "format", "--check", ".", external=True)
    session.run(PY, "-m", "mypy", external=True)


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """Unit tests: no Docker, fast."""
    _pytest(session, "tests/unit", "-p", "no:cacheprovider")


@nox.session(venv_backend="none")
def integration(session: nox.Session) -> None:
    """Integration tests against the real Docker engine, images built or pulled first."""
    env = {"GREENROOM_REQUIRE_ENGINE": "1"} if os.environ.get("CI") else {}
    session.run(PY, "-m", "greenroom", "images", external=True, env=env)
    session.run(
        PY,
        "-m",
        "pytest",
        "tests/integration",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        external=True,
        env=env,
    )


@nox.session(venv_backend="none")
def bench(session: nox.Session) -> None:
    """Benchmarks (ratios against a baseline measured in the same run)."""
    session.run(PY, "-m", "benchmarks", *session.posargs, external=True)
