"""Health aggregation: every dependency reported, any one down means 503."""

from __future__ import annotations

import asyncio

from orders.health import DependencyStatus, aggregate, run_checks
from orders.logs import Redactor


async def _up() -> None:
    return None


async def _refused() -> None:
    raise ConnectionRefusedError("connect to redis://:hunter2@redis:6379 refused")


async def _hangs() -> None:
    await asyncio.sleep(30)


def test_all_up_is_200() -> None:
    code, body = aggregate({"postgres": DependencyStatus(True), "redis": DependencyStatus(True)})
    assert code == 200
    assert body == {
        "status": "ok",
        "dependencies": {"postgres": {"status": "up"}, "redis": {"status": "up"}},
    }


def test_one_down_is_503_and_named() -> None:
    code, body = aggregate(
        {"postgres": DependencyStatus(True), "nats": DependencyStatus(False, "timeout")}
    )
    assert code == 503
    assert body["status"] == "unavailable"
    assert body["dependencies"]["nats"] == {"status": "down", "error": "timeout"}
    assert body["dependencies"]["postgres"] == {"status": "up"}


def test_checks_run_with_a_timeout_and_errors_are_redacted() -> None:
    statuses = asyncio.run(
        run_checks(
            {"postgres": _up, "redis": _refused, "nats": _hangs},
            timeout=0.05,
            redact=Redactor(["hunter2"]),
        )
    )
    assert statuses["postgres"].ok
    assert not statuses["redis"].ok
    assert statuses["redis"].error is not None
    assert "ConnectionRefusedError" in statuses["redis"].error
    assert "hunter2" not in statuses["redis"].error
    assert not statuses["nats"].ok
    assert statuses["nats"].error == "no answer within 0.05s"
    assert aggregate(statuses)[0] == 503


def test_no_checks_is_healthy() -> None:
    assert aggregate(asyncio.run(run_checks({})))[0] == 200
