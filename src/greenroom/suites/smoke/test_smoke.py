"""Smoke: every component reachable with the environment's credentials and refused without them
where auth is on; every service healthy. The team's own smoke tests run after these."""

from __future__ import annotations

import pytest

from greenroom.suites.journey import describe
from greenroom.suites.target import Target


def _secrets(target: Target) -> list[str]:
    values = [
        getattr(conn, attr, None)
        for conn in target.connections.values()
        for attr in ("password", "token")
    ]
    return [v.get_secret_value() for v in values if v is not None]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "part" in metafunc.fixturenames:
        from greenroom.pytest_plugin import TARGET_KEY

        target = metafunc.config.stash.get(TARGET_KEY, None)
        names = sorted(target.connections) if target is not None else []
        metafunc.parametrize("part", names)


def _label(target: Target, part: str) -> str:
    kind = target.parts[part].kind
    return part if part == kind else f"{part} ({kind})"


def test_reachable(greenroom_target: Target, part: str) -> None:
    component = greenroom_target.parts[part]
    try:
        seen = component.reach(greenroom_target.connections[part])
    except Exception as exc:
        pytest.fail(
            f"{_label(greenroom_target, part)} is not reachable with {greenroom_target.env}'s "
            f"credentials: {describe(exc, _secrets(greenroom_target))}",
            pytrace=False,
        )
    if seen is None:
        pytest.skip(f"{part}: {component.kind} has no reach check")


def test_refused_without_credentials(greenroom_target: Target, part: str) -> None:
    component = greenroom_target.parts[part]
    try:
        outcome = component.refuse(greenroom_target.connections[part])
    except Exception as exc:
        pytest.fail(
            f"{_label(greenroom_target, part)}: {describe(exc, _secrets(greenroom_target))}",
            pytrace=False,
        )
    if outcome is None:
        pytest.skip(f"{part}: nothing to refuse ({component.why_nothing_to_refuse})")
