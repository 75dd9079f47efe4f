"""Replay files keep what a replay needs; a rehearsal waits for a drained, still state and names
what is left when it does not come."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from greenroom.components.base import Observed
from greenroom.components.nats.stream import StoredMessage, deliveries
from greenroom.errors import ConfigError
from greenroom.model.types import ReplaySpec
from greenroom.suites.replay import rehearsal as module
from greenroom.suites.replay.recording import expectation, read, write
from greenroom.suites.replay.rehearsal import Digest, NotDrained, Rehearsal, digest_of
from greenroom.suites.target import Target

TEXT = StoredMessage(
    stream="S",
    seq=7,
    subject="things.made",
    data=b'{"id": 1}',
    time="2026-01-01T00:00:00+00:00",
    headers={"Nats-Msg-Id": "abc"},
)
BINARY = StoredMessage(stream="S", seq=8, subject="things.raw", data=b"\xff\x00", time="")


def test_a_replay_file_round_trips_text_and_binary_payloads(tmp_path: Path) -> None:
    path = tmp_path / "s.ndjson.gz"
    assert write(path, [TEXT, BINARY]) == 2
    assert read(path) == [TEXT, BINARY]
    with gzip.open(path, "rt") as source:
        first = source.readline()
    assert '"payload":"{\\"id\\": 1}"' in first and '"Nats-Msg-Id":"abc"' in first
    assert expectation(path).name == "s.ndjson.gz.expected.json"


def test_a_damaged_or_missing_file_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ndjson.gz"
    with gzip.open(broken, "wt") as out:
        out.write('{"subject": "a", "payload": "x"}\n{"payload": "no subject"}\n')
    with pytest.raises(ConfigError, match=r"broken.ndjson.gz:2 is not a replay message"):
        read(broken)
    with pytest.raises(ConfigError, match="no replay file at"):
        read(tmp_path / "absent.ndjson.gz")


def test_digests_compare_item_by_item() -> None:
    one = digest_of({"table t": ["a", "b"], "queue q": []})
    assert one == digest_of({"table t": ["b", "a"], "queue q": []})
    two = digest_of({"table t": ["a", "b", "b"], "queue q": []})
    assert one.total != two.total
    [difference] = one.differences(two)
    assert difference.startswith("table t: 2 entries sha256:") and "!= 3 entries" in difference
    assert Digest({}).differences(Digest({"x": "1"})) == ["x: absent != 1"]


class FakePart:
    """A component holding a table that fills and a queue whose messages a read takes away."""

    kind = "fake"

    def __init__(self, readings: Iterator[tuple[list[str], list[str]]]) -> None:
        self.readings = readings

    def observe(self, conn: Any, state: Any) -> dict[str, Observed]:
        table, queue = next(self.readings)
        return {"table t": Observed(tuple(table)), "queue q": Observed(tuple(queue), True)}


def rehearsal(part: FakePart, backlogs: list[int], deadline: int = 60) -> Rehearsal:
    target = Target(
        env="dev", kind="replica", api_url="", digest="d", parts={"f": part}, connections={"f": 1}
    )
    made = Rehearsal(target=target, spec=ReplaySpec(deadline=deadline), messages=[TEXT], stream="S")
    pending = iter(backlogs)
    made.backlog = lambda: next(pending, 0)  # type: ignore[method-assign]
    return made


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    monkeypatch.setattr(module.time, "sleep", sleep)
    return now


def test_settling_waits_for_an_empty_backlog_and_a_still_state(clock: list[float]) -> None:
    readings = iter([(["a"], ["m1"]), (["a", "b"], ["m2"]), (["a", "b"], []), (["a", "b"], [])])
    made = rehearsal(FakePart(readings), backlogs=[3, 0, 0, 0, 0])
    state, drained = made.settle(clock=lambda: clock[0])
    assert state == digest_of({"table t": ["a", "b"], "queue q": ["m1", "m2"]})
    assert drained == module.POLL, "drained once the backlog was empty, before the state stilled"


def test_a_backlog_that_never_empties_is_named(clock: list[float]) -> None:
    made = rehearsal(FakePart(iter([])), backlogs=[5] * 1000, deadline=3)
    with pytest.raises(NotDrained, match="consumers of S still had 5 message"):
        made.settle(clock=lambda: clock[0])


class FakeConsumers:
    """A NATS connection whose stream has the durable consumers ``filters`` (None: no filter)."""

    def __init__(self, filters: list[str | None]) -> None:
        self.infos = [
            SimpleNamespace(
                config=SimpleNamespace(durable_name=f"c{i}", filter_subject=f, filter_subjects=None)
            )
            for i, f in enumerate(filters)
        ]
        self.infos.append(
            SimpleNamespace(
                config=SimpleNamespace(durable_name=None, filter_subject=None, filter_subjects=None)
            )
        )

    def jetstream(self, timeout: float) -> FakeConsumers:
        return self

    async def consumers_info(self, stream: str) -> list[SimpleNamespace]:
        return self.infos


def test_each_durable_consumer_is_owed_the_messages_its_filter_matches() -> None:
    subjects = ["events.owner.created", "events.contact.created", "events.contact.created"]
    nc = FakeConsumers(["events.>", "events.contact.*", None])
    assert asyncio.run(deliveries(nc, "EVENTS", subjects)) == 3 + 2 + 3
