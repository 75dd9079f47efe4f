"""The shop's own smoke test: one order followed through every hop, naming the hop that breaks."""

from __future__ import annotations

import pytest
from order_journey import OrderJourney

from greenroom.suites.journey import HopFailed, follow
from greenroom.suites.target import Target


def test_order_journey(greenroom_target: Target, greenroom_deadline: float) -> None:
    journey = OrderJourney(greenroom_target)
    try:
        follow(journey.hops(), deadline=greenroom_deadline, secrets=journey.secrets())
    except HopFailed as exc:
        pytest.fail(str(exc), pytrace=False)
