"""greenroom's pytest plugin: a team's own tests get the environment's endpoints and ready clients.

Options: ``--greenroom-env ENV`` (default ``$GREENROOM_ENV`` or ``dev``) and
``--greenroom-target replica|environ`` (default: the local replica brought up by `inv up`).

Fixtures: ``greenroom_target`` (a :class:`greenroom.suites.target.Target`), ``greenroom_env``
(the model), ``api_url``, and those each component kind gives (``pg_conn``, ``redis_client``,
``nats_url``, ``nats_connection``, ``s3_client``, ``sqs_client``, ``sns_client``, ...); and
single throwaway components for tests that need no replica: ``throwaway_postgres`` and
``throwaway_redis`` (testcontainers, local ``greenroom/*`` images, one container per test module).

Nothing here touches Docker or imports a driver until a test asks for the fixture.
"""

from __future__ import annotations

import inspect
import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from greenroom.components.base import Fixture

if TYPE_CHECKING:
    from greenroom.suites.target import Target

TARGET_KEY = pytest.StashKey["Target"]()


def _image(name: str) -> str:
    """The local greenroom image a throwaway container runs (the catalogue's tag)."""
    from greenroom.images.catalog import image_ref

    return image_ref(name)


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

    def __init__(self, target: Target) -> None:
        self.target = target

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[TARGET_KEY] = self.target


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

    fixture.__name__ = name
    fixture.__doc__ = spec.doc or spec.make.__doc__
    return pytest.fixture(scope=spec.scope, name=name)(fixture)


def _register_kind_fixtures(namespace: dict[str, Any]) -> None:
    from greenroom.components import get, kinds

    for kind in kinds():
        for name, spec in get(kind).fixtures.items():
            namespace[f"_fixture_{name}"] = _kind_fixture(kind, name, spec)


_register_kind_fixtures(globals())


# --- throwaway components ------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrowawayPostgres:
    """A fresh, empty Postgres for one test module; gone when the module's tests end."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    dbname: str = "test"

    def connect(self, **kwargs: Any) -> Any:
        """A psycopg connection (keyword arguments go to ``psycopg.connect``)."""
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.dbname,
            connect_timeout=5,
            **kwargs,
        )


@dataclass(frozen=True)
class ThrowawayRedis:
    """A fresh Redis for one test module."""

    host: str
    port: int

    def client(self, **kwargs: Any) -> Any:
        import redis

        return redis.Redis(host=self.host, port=self.port, **kwargs)


def _image_present(ref: str) -> bool | None:
    """True/False whether the engine has ``ref`` locally; None when the engine is unreachable."""
    try:
        out = subprocess.run(
            ["docker", "image", "inspect", "--format", "{{.Id}}", ref],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode == 0:
        return True
    return False if "No such image" in out.stderr or "No such object" in out.stderr else None


def _unavailable(message: str) -> None:
    """Skip on a laptop, fail in CI: a CI run must not pass by skipping."""
    if os.environ.get("GREENROOM_REQUIRE_ENGINE") or os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _prepare_testcontainers(image: str) -> None:
    from testcontainers.core.config import testcontainers_config as config

    present = _image_present(image)
    if present is None:
        _unavailable("the Docker engine is unreachable: throwaway containers need it")
    if not present:
        _unavailable(f"image {image} is not built: run `inv images` first")
    if not config.ryuk_disabled and not _image_present(config.ryuk_image):
        config.ryuk_disabled = True


@pytest.fixture(scope="module")
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A single Postgres container from the local greenroom image, removed after the module."""
    from testcontainers.community.postgres import PostgresContainer

    image = _image("postgres")
    _prepare_testcontainers(image)

    class _Postgres(PostgresContainer):
        def _connect(self) -> None:
            _wait_for_postgres(self._info())

        def _info(self) -> ThrowawayPostgres:
            return ThrowawayPostgres(
                host=self.get_container_host_ip(),
                port=int(self.get_exposed_port(self.port)),
                user=self.username,
                password=self.password,
                dbname=self.dbname,
            )

    container = _Postgres(
        image,
        username="test",
        password=secrets.token_urlsafe(16),
        dbname="test",
        driver=None,
    )
    with container:
        yield container._info()


def _wait_for_postgres(info: ThrowawayPostgres, timeout: float = 60.0) -> None:
    """Ready means a real login and query, from the host; the image's own init restarts once."""
    import time

    import psycopg

    end = time.monotonic() + timeout
    while True:
        try:
            with info.connect() as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > end:
                raise TimeoutError(f"throwaway Postgres not ready in {timeout:g} s: {exc}") from exc
            time.sleep(0.3)


@pytest.fixture(scope="module")
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    """A single Redis container from the local greenroom image, removed after the module."""
    from testcontainers.community.redis import RedisContainer

    image = _image("redis")
    _prepare_testcontainers(image)
    with RedisContainer(image) as container:
        yield ThrowawayRedis(
            host=container.get_container_host_ip(),
            port=int(container.get_exposed_port(container.port)),
        )
