"""Journeys hop by hop: the failing hop is named, later ones never run, retries stop in time."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from greenroom.suites.journey import Hop, HopFailed, NotYet, describe, follow


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _ok(seen: list[str], name: str) -> Callable[[], str]:
    def check() -> str:
        seen.append(name)
        return name

    return check


def test_all_hops_pass_in_order() -> None:
    seen: list[str] = []
    clock = FakeClock()
    hops = [Hop(n, _ok(seen, n)) for n in ("a", "b", "c")]
    journey = follow(hops, clock=clock, sleep=clock.sleep)
    assert seen == ["a", "b", "c"]
    assert journey.seen == [("a", "a"), ("b", "b"), ("c", "c")]


def test_the_stuck_hop_is_named_with_what_it_last_saw() -> None:
    seen: list[str] = []
    clock = FakeClock()
    attempts = 0

    def stuck() -> str:
        nonlocal attempts
        attempts += 1
        raise NotYet(f"outbox row not drained (attempt {attempts})")

    hops = [
        Hop("client → API", _ok(seen, "1")),
        Hop("API → Postgres", _ok(seen, "2")),
        Hop("outbox → JetStream", stuck),
        Hop("JetStream → worker → S3", _ok(seen, "4")),
    ]
    with pytest.raises(HopFailed) as err:
        follow(hops, deadline=5, interval=1, clock=clock, sleep=clock.sleep)
    message = str(err.value)
    assert message.startswith("hop 3/4 (outbox → JetStream) failed: outbox row not drained")
    assert f"(attempt {attempts})" in message and "5 s deadline" in message
    assert seen == ["1", "2"]
    assert err.value.index == 3 and err.value.name == "outbox → JetStream"
    assert 4 <= attempts <= 6


def test_a_hop_that_catches_up_passes() -> None:
    clock = FakeClock()
    state = {"n": 0}

    def slow() -> str:
        state["n"] += 1
        if state["n"] < 3:
            raise NotYet("not yet")
        return "done"

    journey = follow([Hop("slow", slow)], deadline=10, interval=1, clock=clock, sleep=clock.sleep)
    assert journey.seen == [("slow", "done")]


def test_a_hop_without_retry_fails_at_once() -> None:
    clock = FakeClock()
    calls = 0

    def post() -> str:
        nonlocal calls
        calls += 1
        raise AssertionError("POST /orders answered 500: boom")

    with pytest.raises(
        HopFailed, match=r"^hop 1/1 \(client → API\) failed: POST /orders answered 500"
    ):
        follow([Hop("client → API", post, retry=False)], clock=clock, sleep=clock.sleep)
    assert calls == 1


def test_errors_are_one_line_with_their_type_and_secrets_masked() -> None:
    exc = ConnectionError("auth failed for s3cr3t-value\nsecond line")
    assert describe(exc, ["s3cr3t-value"]) == "ConnectionError: auth failed for ****"
    assert describe(NotYet("waiting")) == "waiting"
    assert describe(TimeoutError()) == "TimeoutError"
