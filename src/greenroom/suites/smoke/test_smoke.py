"""Smoke: reachable with the environment's credentials, refused without, one order end to end."""

from __future__ import annotations

import pytest

from greenroom.suites.journey import HopFailed, describe, follow
from greenroom.suites.smoke.order import OrderJourney
from greenroom.suites.smoke.reach import REACH, REFUSE, WHY_NOTHING_TO_REFUSE
from greenroom.suites.target import Target


def _secrets(target: Target) -> list[str]:
    return OrderJourney(target).secrets()


def _present(target: Target, kind: str) -> bool:
    return bool(target.api_url) if kind == "api" else kind in target.components()


@pytest.mark.parametrize("kind", list(REACH))
def test_reachable(greenroom_target: Target, kind: str) -> None:
    if not _present(greenroom_target, kind):
        pytest.skip(f"{greenroom_target.env} has no {kind}")
    try:
        REACH[kind](greenroom_target)
    except Exception as exc:
        pytest.fail(
            f"{kind} is not reachable with {greenroom_target.env}'s credentials: "
            f"{describe(exc, _secrets(greenroom_target))}",
            pytrace=False,
        )


@pytest.mark.parametrize("kind", list(REFUSE))
def test_refused_without_credentials(greenroom_target: Target, kind: str) -> None:
    if not _present(greenroom_target, kind):
        pytest.skip(f"{greenroom_target.env} has no {kind}")
    try:
        outcome = REFUSE[kind](greenroom_target)
    except Exception as exc:
        pytest.fail(f"{kind}: {describe(exc, _secrets(greenroom_target))}", pytrace=False)
    if outcome is None:
        pytest.skip(f"{kind}: nothing to refuse ({WHY_NOTHING_TO_REFUSE.get(kind, 'no auth')})")


def test_order_journey(greenroom_target: Target, greenroom_deadline: float) -> None:
    journey = OrderJourney(greenroom_target)
    try:
        follow(journey.hops(), deadline=greenroom_deadline, secrets=journey.secrets())
    except HopFailed as exc:
        pytest.fail(str(exc), pytrace=False)
