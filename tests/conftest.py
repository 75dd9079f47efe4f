"""Shared test configuration: the tests' own replica namespace, the engine gate."""

from __future__ import annotations

import os
import subprocess

import pytest

TEST_NAMESPACE = os.environ.get("GREENROOM_TEST_NAMESPACE", "test")

# Set on import, before any test or CLI child runs, however pytest was started (nox, plain
# `pytest tests/integration`, an IDE): replicas made by tests never share a Compose project,
# work dir, secrets or host ports with the user's own. Set, not defaulted, so a namespace the user
# exported for their own replicas is not reused (and destroyed) by the tests.
os.environ["GREENROOM_NAMESPACE"] = TEST_NAMESPACE


def _engine_reachable() -> str | None:
    try:
        out = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"docker CLI failed: {exc}"
    return None if out.returncode == 0 else (out.stderr.strip() or "engine unreachable")


@pytest.fixture(scope="session")
def docker_engine() -> None:
    """Integration tests need the real engine: skip locally without one, fail in CI."""
    problem = _engine_reachable()
    if problem is None:
        return
    if os.environ.get("GREENROOM_REQUIRE_ENGINE") or os.environ.get("CI"):
        pytest.fail(f"Docker engine required but unreachable: {problem}")
    pytest.skip(f"Docker engine unreachable: {problem}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration is marked `integration` and gated on the engine."""
    for item in items:
        if "tests/integration" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)
            item.fixturenames.insert(0, "docker_engine")  # type: ignore[attr-defined]
