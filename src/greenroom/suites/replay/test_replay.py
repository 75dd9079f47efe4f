"""Replay: deterministic, idempotent under double delivery, whole after a pause and resume."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from greenroom.errors import GreenroomError
from greenroom.model.environment import Environment
from greenroom.suites.replay import recording
from greenroom.suites.replay.rehearsal import Digest, Rehearsal, replica_services
from greenroom.suites.target import Target

FILE_VARIABLE = "GREENROOM_REPLAY_FILE"


@pytest.fixture(scope="session")
def replay_file(greenroom_env: Environment, greenroom_root: Path) -> Path:
    given = os.environ.get(FILE_VARIABLE, "").strip() or greenroom_env.replay.file
    if not given:
        pytest.skip(f"no replay file: name one in the model (replay.file) or {FILE_VARIABLE}")
    return greenroom_root / given


@pytest.fixture(scope="session")
def rehearsal(greenroom_target: Target, greenroom_env: Environment, replay_file: Path) -> Rehearsal:
    if greenroom_target.kind != "replica":
        pytest.fail(
            f"replay empties the state it compares, so it runs on a local replica only, not on "
            f"{greenroom_target.env} through variables; run it with --target replica",
            pytrace=False,
        )
    try:
        messages = recording.read(replay_file)
    except GreenroomError as exc:
        pytest.fail(str(exc), pytrace=False)
    if not messages:
        pytest.skip(f"{replay_file} holds no message")
    spec = greenroom_env.replay
    return Rehearsal(
        target=greenroom_target,
        spec=spec,
        messages=messages,
        stream=spec.stream or messages[0].stream,
        services=replica_services(greenroom_target),
    )


def fresh(rehearsal: Rehearsal) -> tuple[Digest, float]:
    rehearsal.reset()
    rehearsal.publish()
    return rehearsal.settle()


@pytest.fixture(scope="session")
def reference(rehearsal: Rehearsal) -> Digest:
    """The state after one replay into a fresh state."""
    return fresh(rehearsal)[0]


def test_replay_is_deterministic(
    rehearsal: Rehearsal,
    reference: Digest,
    replay_file: Path,
    greenroom_say: Callable[[str], None],
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    again, _ = fresh(rehearsal)
    if again != reference:
        pytest.fail(
            "two replays of the same file left different state: "
            + "; ".join(reference.differences(again)),
            pytrace=False,
        )
    record_testsuite_property("replay-digest", reference.total)
    kept = recording.expectation(replay_file)
    if not kept.exists():
        kept.write_text(
            json.dumps({"digest": reference.total, "items": dict(reference.items)}, indent=2) + "\n"
        )
        greenroom_say(f"replay: expectation written to {kept}; commit it with the file")
        return
    expected = Digest(json.loads(kept.read_text())["items"])
    if expected != reference:
        pytest.fail(
            f"the replay's state differs from the expectation in {kept.name}: "
            + "; ".join(expected.differences(reference)),
            pytrace=False,
        )


def test_every_message_delivered_twice_changes_nothing(
    rehearsal: Rehearsal, reference: Digest
) -> None:
    once, _ = fresh(rehearsal)
    rehearsal.reset(transport_only=True)
    rehearsal.publish()
    twice, _ = rehearsal.settle()
    if twice != once:
        pytest.fail(
            f"delivering each of the {len(rehearsal.messages)} message(s) of {rehearsal.stream} "
            "a second time changed the state: " + "; ".join(once.differences(twice)),
            pytrace=False,
        )


def test_pause_and_resume_lose_nothing_and_do_nothing_twice(
    rehearsal: Rehearsal,
    reference: Digest,
    greenroom_say: Callable[[str], None],
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    if rehearsal.services is None or not rehearsal.spec.consumers:
        pytest.skip("pausing needs a local replica and the consuming services (replay.consumers)")
    rehearsal.reset()
    rehearsal.pause()
    try:
        rehearsal.publish()
        waiting, owed = rehearsal.backlog(), rehearsal.owed()
    finally:
        rehearsal.resume()
    after, drain = rehearsal.settle()
    record_testsuite_property("drain-seconds", f"{drain:.2f}")
    greenroom_say(f"replay: {len(rehearsal.messages)} message(s) drained in {drain:.2f} s")
    assert waiting == owed, (
        f"with {', '.join(rehearsal.spec.consumers)} stopped, {waiting} of the {owed} "
        f"deliveries of {len(rehearsal.messages)} message(s) to the durable consumers waited: "
        "something else consumed the stream"
    )
    if after != reference:
        pytest.fail(
            "after a pause and resume the state differs from an uninterrupted replay: "
            + "; ".join(reference.differences(after)),
            pytrace=False,
        )
