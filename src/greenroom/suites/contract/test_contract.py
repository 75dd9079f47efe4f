"""Contract: event schemas compatible with every promoted release, published events valid, no
breaking API change, no unsafe new migration. The team's own contract tests run in between."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from greenroom.components.base import Capture, Carried
from greenroom.errors import GreenroomError
from greenroom.model.environment import Environment
from greenroom.suites.contract import compat, history, migrations, openapi, previous
from greenroom.suites.target import Target

T = TypeVar("T")
SHOWN = 5


def _declared(target: Target) -> list[tuple[str, Carried]]:
    return [(name, c) for name, part in sorted(target.parts.items()) for c in part.events()]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "declared" in metafunc.fixturenames:
        from greenroom.pytest_plugin import TARGET_KEY

        target = metafunc.config.stash.get(TARGET_KEY, None)
        found = _declared(target) if target is not None else []
        metafunc.parametrize("declared", found, ids=[c.event.subject for _, c in found])


def _or_fail(action: Callable[[], T]) -> T:
    """The result, or the suite's failure with the error's own message (no traceback)."""
    try:
        return action()
    except GreenroomError as exc:
        pytest.fail(str(exc), pytrace=False)


def _schema(root: Path, carried: Carried) -> Any:
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    schema = _or_fail(lambda: history.current(root, carried.event.path))
    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        pytest.fail(
            f"{carried.event.subject}: {carried.event.path} is not a valid JSON Schema: "
            f"{exc.message}",
            pytrace=False,
        )
    return schema


def _shown(problems: list[str]) -> str:
    more = len(problems) - SHOWN
    return "; ".join(problems[:SHOWN]) + (f"; ... and {more} more" if more > 0 else "")


def test_event_schema_is_compatible_with_every_release(
    greenroom_env: Environment, greenroom_root: Path, declared: tuple[str, Carried]
) -> None:
    _, carried = declared
    event = carried.event
    schema = _schema(greenroom_root, carried)
    pattern = greenroom_env.contracts.releases
    versions = [
        compat.Version(tag, doc)
        for tag, doc in _or_fail(lambda: history.carried(greenroom_root, pattern, event.path))
    ]
    if not versions:
        pytest.skip(f"{event.subject}: no promoted release ({pattern}) carried {event.path} yet")
    problems = [
        f"{event.subject} on {carried.carrier} breaks {verdict.mode} against {verdict.against}: "
        f"{found}"
        for verdict in compat.check(versions, schema, event.compatibility)
        for found in verdict.breaks
    ]
    if problems:
        pytest.fail(_shown(problems), pytrace=False)


def test_published_events_match_their_schemas(
    captured: dict[str, Capture], greenroom_root: Path, declared: tuple[str, Carried]
) -> None:
    from jsonschema.validators import validator_for

    part, carried = declared
    event = carried.event
    if part not in captured:
        pytest.skip(f"{event.subject}: what {part} carries cannot be captured here")
    schema = _schema(greenroom_root, carried)
    seen = [m for m in captured[part]() if m.subject == event.subject]
    if not seen:
        pytest.skip(f"nothing was published on {event.subject} while the suite ran")
    validator = validator_for(schema)(schema)
    problems = []
    for message in seen:
        try:
            body = json.loads(message.body)
        except ValueError as exc:
            problems.append(f"{message.where}: not JSON ({exc})")
            continue
        for error in validator.iter_errors(body):
            field = ".".join(map(str, error.absolute_path))
            problems.append(
                f"{message.where}: {f'field `{field}`: ' if field else ''}{error.message}"
            )
    if problems:
        pytest.fail(
            f"{event.subject}: {len(problems)} problem(s) in {len(seen)} published message(s) "
            f"against {event.path}: {_shown(problems)}",
            pytrace=False,
        )


def test_api_has_no_breaking_change(greenroom_env: Environment, greenroom_root: Path) -> None:
    path = greenroom_env.contracts.openapi
    if not path:
        pytest.skip("the model names no OpenAPI document (contracts.openapi)")
    document = _or_fail(lambda: history.current(greenroom_root, path))
    pattern = greenroom_env.contracts.releases
    versions = _or_fail(lambda: history.carried(greenroom_root, pattern, path))
    if not versions:
        pytest.skip(f"no promoted release ({pattern}) carried {path} yet")
    tag, last = versions[-1]
    found = openapi.diff(last, document)
    if found:
        pytest.fail(
            f"{path} breaks clients of {tag}: {_shown([str(b) for b in found])}", pytrace=False
        )


def test_new_migrations_pass_squawk(
    greenroom_env: Environment,
    greenroom_root: Path,
    greenroom_say: Callable[[str], None],
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    spec = greenroom_env.contracts.migrations
    if spec is None:
        pytest.skip("the model names no migrations (contracts.migrations)")
    shipped = _or_fail(lambda: history.releases(greenroom_root, greenroom_env.contracts.releases))
    last = shipped[-1] if shipped else None
    files = _or_fail(lambda: migrations.new_migrations(greenroom_root, spec, last))
    if not files:
        pytest.skip(f"no migration is new since {last.tag if last else 'the start'}")
    findings = _or_fail(lambda: migrations.lint(greenroom_root, spec, files))
    for finding in (f for f in findings if f.severity == "warning"):
        record_testsuite_property("squawk-warning", str(finding))
        greenroom_say(f"squawk warning: {finding}")
    errors = [str(f) for f in findings if f.severity == "error"]
    if errors:
        since = f"since {last.tag}" if last else "(no promoted release yet)"
        pytest.fail(
            f"{len(errors)} unsafe change(s) in migrations new {since}: {_shown(errors)}",
            pytrace=False,
        )


def test_the_previous_release_passes_smoke_on_this_builds_schema(
    greenroom_target: Target,
    greenroom_env: Environment,
    greenroom_root: Path,
    tmp_path_factory: pytest.TempPathFactory,
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    if greenroom_target.kind != "replica":
        pytest.skip("the N-1 check runs the previous images on a local replica")
    found = previous.previous_images(greenroom_root, greenroom_env, os.environ)
    if found is None:
        pytest.skip(
            "no previous release's images: no passing run at the last release tag in the ledger, "
            f"and {previous.VARIABLE} is not set"
        )
    source, images = found
    running = previous.long_running(greenroom_env, images)
    if not running:
        pytest.skip(f"the previous images ({source}) name no long-running service")
    flags = _or_fail(lambda: previous.overrides(greenroom_env, running))
    record_testsuite_property("previous_release", source)
    release = previous.described(source, running)
    work = tmp_path_factory.mktemp("previous")
    junit = work / "smoke.xml"
    try:
        ran = previous.smoke(greenroom_env.name, flags, junit, work / "ledger.jsonl")
    finally:
        restored = previous.restore(greenroom_env.name)
    back = (
        ""
        if restored.returncode == 0
        else f"the replica could not be brought back to this build: {previous.tail(restored)}"
    )
    if ran.returncode != 0:
        said = previous.failure(release, greenroom_env.name, ran, junit)
        pytest.fail(f"{said}{f'; and {back}' if back else ''}", pytrace=False)
    if back:
        pytest.fail(back, pytrace=False)
    ran_images = previous.recorded_images(work / "ledger.jsonl")
    missed = previous.not_run(running, ran_images)
    if missed:
        pytest.fail(f"the smoke run did not run the previous images: {missed}", pytrace=False)
    shown = ",".join(f"{name}={ran_images[name]}" for name in running if name in ran_images)
    record_testsuite_property("previous_images", shown)
