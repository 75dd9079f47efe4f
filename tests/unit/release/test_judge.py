"""The SLI judge holds a reading against the model's SLO, wherever the reading came from."""

from __future__ import annotations

from greenroom.model.types import Slo
from greenroom.release.judge import Reading, judge


def test_an_error_rate_over_the_slo_is_a_breach() -> None:
    verdict = judge(Slo(error_rate_percent=1), Reading(requests=1000, errors=20))
    assert not verdict.ok
    assert "2.00% errors (SLO 1.0%)" in verdict.says


def test_an_error_rate_within_the_slo_passes() -> None:
    assert judge(Slo(error_rate_percent=5), Reading(requests=1000, errors=50)).ok


def test_a_p99_latency_over_the_slo_is_a_breach() -> None:
    verdict = judge(Slo(latency_p99_ms=300), Reading(requests=10, errors=0, latency_p99_ms=450))
    assert not verdict.ok and "p99 450 ms (SLO 300 ms)" in verdict.says


def test_no_traffic_is_no_error_and_says_so() -> None:
    verdict = judge(Slo(), Reading(requests=0, errors=0))
    assert verdict.ok and verdict.says.startswith("0 requests")
