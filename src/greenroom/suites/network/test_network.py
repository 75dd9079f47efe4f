"""Network: each declared path open or closed from inside the replica, exposure from the host,
no route to the internet from internal zones; the parity report and its share verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from greenroom.model.reach import admissions
from greenroom.suites.network.parity import (
    TARGET_PERCENT,
    Live,
    Parity,
    Property,
    declared,
    expected_layout,
    judge,
    parity,
    stray_networks,
)
from greenroom.suites.target import Target


def _target(config: pytest.Config) -> Target | None:
    from greenroom.pytest_plugin import TARGET_KEY

    return config.stash.get(TARGET_KEY, None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "prop" in metafunc.fixturenames:
        target = _target(metafunc.config)
        props = declared(target.model, target.absent) if target is not None and target.model else []
        metafunc.parametrize("prop", props, ids=[p.id for p in props])


@pytest.fixture(scope="session")
def live(greenroom_target: Target) -> Live:
    """The replica as the probes find it, gathered once for every check."""
    if greenroom_target.kind != "replica" or greenroom_target.model is None:
        pytest.skip("the network suite runs inside a local replica (`inv up ENV`)")
    from greenroom.paths import compose_project, project_root
    from greenroom.suites.network.observe import observe

    env = greenroom_target.model
    live = observe(env, compose_project(env.project, env.name, project_root()))
    live.absent = dict(greenroom_target.absent)
    live.guard_off = greenroom_target.guard_off
    return live


def test_every_container_is_on_exactly_its_networks(live: Live) -> None:
    # First: a container on a network outside the model is the cause of the paths it opens.
    found = stray_networks(live, expected_layout(live.env))
    if found:
        pytest.fail("; ".join(found), pytrace=False)


def test_property(live: Live, prop: Property) -> None:
    env = live.env
    judged = judge(prop, live, expected_layout(env), admissions(env))
    if judged.verdict == "failed":
        pytest.fail(f"{prop.text}: {judged.reason}", pytrace=False)
    if judged.verdict == "not emulable":
        pytest.skip(f"not emulable locally: {judged.reason}")


def _write(report: Parity, junit: str | None) -> Path:
    from datetime import UTC, datetime

    from greenroom.paths import workdir

    if junit:
        stem = Path(junit).with_suffix("")
    else:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        stem = workdir() / "reports" / f"network-{report.env}-{stamp}"
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".parity.json").write_text(report.json(), encoding="utf-8")
    stem.with_suffix(".parity.txt").write_text(report.table(), encoding="utf-8")
    return stem.with_suffix(".parity.txt")


def test_parity_reaches_its_target(
    live: Live, request: pytest.FixtureRequest, record_testsuite_property: Any
) -> None:
    report = parity(live.env, declared(live.env, live.absent), live)
    path = _write(report, request.config.option.xmlpath)
    record_testsuite_property("parity_percent", f"{report.percent:.1f}")
    record_testsuite_property("parity_report", str(path))
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        terminal.write("\n" + report.table())
    if report.percent < TARGET_PERCENT:
        pytest.fail(
            f"{report.percent:.1f} % of {len(report.rows)} properties verified live, below "
            f"{TARGET_PERCENT:g} % ({report.count('not emulable')} not emulable locally, "
            f"{report.count('failed')} failed); report: {path}",
            pytrace=False,
        )
