"""greenroom's pytest plugin: a team's own tests get the environment's endpoints and ready clients.

Options: ``--greenroom-env ENV`` (default ``$GREENROOM_ENV`` or ``dev``) and
``--greenroom-target replica|environ`` (default: the local replica brought up by `inv up`).

Fixtures: ``greenroom_target`` (a :class:`greenroom.suites.target.Target`), ``greenroom_env``
(the model), ``greenroom_root`` (the project's folder), ``greenroom_say`` (a line on the terminal
past pytest's capture), ``api_url``, ``service_urls``, and those each component kind gives
(``pg_conn``, ``redis_client``, ``nats_url``, ``nats_connection``, ``s3_client``, ``sqs_client``,
...); and single throwaway components for tests that need no replica: ``throwaway_postgres`` and
``throwaway_redis`` (testcontainers, local ``greenroom/*`` images, one container per test module).

Nothing here touches Docker or imports a driver until a test asks for the fixture.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from greenroom.components.base import Fixture

if TYPE_CHECKING:
    from greenroom.suites.target import Target

TARGET_KEY = pytest.StashKey["Target"]()
ROOT_KEY = pytest.StashKey[Path]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("greenroom", "greenroom environments")
    group.addoption(
        "--greenroom-env",
        default=None,
        metavar="ENV",
        help="environment whose endpoints the fixtures use (default: $GREENROOM_ENV or dev)",
    )
    group.addoption(
        "--greenroom-target",
        default=None,
        choices=("replica", "environ"),
        help="replica: the local replica (default); environ: GREENROOM_* variables",
    )
    group.addoption(
        "--greenroom-deadline",
        default=None,
        type=float,
        metavar="SECONDS",
        help="how long a journey through the system may take (default: "
        "$GREENROOM_SMOKE_DEADLINE or 30)",
    )


class TargetPlugin:
    """Hands an already-resolved Target to a run, so secrets never travel through argv or env."""

    def __init__(self, target: Target, root: Path | None = None) -> None:
        self.target = target
        self.root = root

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[TARGET_KEY] = self.target
        if self.root is not None:
            config.stash[ROOT_KEY] = self.root


@pytest.fixture(scope="session")
def greenroom_target(request: pytest.FixtureRequest) -> Target:
    """The environment under test: injected by `inv test`, else resolved from the options."""
    injected = request.config.stash.get(TARGET_KEY, None)
    if injected is not None:
        return injected
    from greenroom.errors import GreenroomError
    from greenroom.suites.target import resolve_target

    env = request.config.getoption("greenroom_env") or os.environ.get("GREENROOM_ENV") or "dev"
    kind = request.config.getoption("greenroom_target") or "replica"
    try:
        return resolve_target(env, kind)
    except GreenroomError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def greenroom_root(request: pytest.FixtureRequest) -> Path:
    """The project's root folder (holding envs/), whose contracts and migrations a suite reads."""
    injected = request.config.stash.get(ROOT_KEY, None)
    if injected is not None:
        return injected
    from greenroom.paths import project_root

    return project_root()


@pytest.fixture
def greenroom_say(capsys: pytest.CaptureFixture[str]) -> Callable[[str], None]:
    """Print a line on the terminal past pytest's capture: a figure or a note a run should show."""

    def say(line: str) -> None:
        with capsys.disabled():
            print(f"\n{line}", flush=True)

    return say


@pytest.fixture(scope="session")
def greenroom_deadline(request: pytest.FixtureRequest) -> float:
    """Seconds a request may take through every hop before the suite names the stuck hop."""
    from greenroom.suites.journey import DEFAULT_DEADLINE

    given = request.config.getoption("greenroom_deadline")
    if given is not None:
        return float(given)
    raw = os.environ.get("GREENROOM_SMOKE_DEADLINE", "").strip()
    try:
        return float(raw) if raw else DEFAULT_DEADLINE
    except ValueError:
        pytest.fail(f"GREENROOM_SMOKE_DEADLINE={raw!r} is not a number of seconds", pytrace=False)


@pytest.fixture(scope="session")
def greenroom_env(greenroom_target: Target) -> Any:
    """The environment's effective model (``greenroom.model.Environment``), for resource names."""
    if greenroom_target.model is None:
        pytest.skip(f"{greenroom_target.env}: the target carries no model")
    return greenroom_target.model


@pytest.fixture(scope="session")
def api_url(greenroom_target: Target) -> str:
    """Base URL of the environment's HTTP front door (no trailing slash)."""
    if not greenroom_target.api_url:
        pytest.skip(f"{greenroom_target.env} has no HTTP service")
    return greenroom_target.api_url


@pytest.fixture(scope="session")
def service_urls(greenroom_target: Target) -> dict[str, str]:
    """Base URL of every HTTP service and component reachable from here, by model name."""
    return {
        name: str(conn.url)
        for name, conn in sorted(greenroom_target.connections.items())
        if isinstance(getattr(conn, "url", None), str) and str(conn.url).startswith("http")
    }


def _kind_fixture(kind: str, name: str, spec: Fixture) -> Any:
    """A pytest fixture named ``name`` made by ``spec`` from the first ``kind`` component."""

    def fixture(greenroom_target: Target) -> Iterator[Any]:
        conn = greenroom_target.connection(kind)
        if conn is None:
            pytest.skip(f"{greenroom_target.env} has no {kind} component")
        made = spec.make(conn)
        if inspect.isgenerator(made):
            yield from made
        else:
            yield made

    def standalone() -> Iterator[Any]:
        made = spec.make()
        if inspect.isgenerator(made):
            yield from made
        else:
            yield made

    chosen = standalone if spec.standalone else fixture
    chosen.__name__ = name
    chosen.__doc__ = spec.doc or spec.make.__doc__
    return pytest.fixture(scope=spec.scope, name=name)(chosen)


def _register_kind_fixtures(namespace: dict[str, Any]) -> None:
    from greenroom.components import get, kinds

    for kind in kinds():
        for name, spec in get(kind).fixtures.items():
            namespace[f"_fixture_{name}"] = _kind_fixture(kind, name, spec)


_register_kind_fixtures(globals())
