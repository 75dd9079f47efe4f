"""The SLI judge: a reading of the candidate's traffic held against the model's `slo`.

The judge reads through ``SliSource``, so where the numbers come from (CloudWatch's load balancer
metrics here; a local replica's traffic elsewhere) is not its concern.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from greenroom.model.types import Slo
from greenroom.release.target import aws_call


@dataclass(frozen=True)
class Reading:
    """What the candidate's traffic did over one window."""

    requests: float
    errors: float
    """Requests answered with a server error (5xx)."""
    latency_p99_ms: float | None = None

    @property
    def error_rate_percent(self) -> float:
        return 100.0 * self.errors / self.requests if self.requests else 0.0


class SliSource(Protocol):
    """Where readings come from: ``subject`` names the candidate's traffic (a target group)."""

    def read(self, subject: str, start: datetime, end: datetime) -> Reading: ...


@dataclass(frozen=True)
class Judgement:
    ok: bool
    says: str


def judge(slo: Slo, reading: Reading) -> Judgement:
    """Breach when the error rate or the p99 latency is over the SLO."""
    rate = reading.error_rate_percent
    said = f"{reading.requests:.0f} requests, {rate:.2f}% errors (SLO {slo.error_rate_percent}%)"
    if rate > slo.error_rate_percent:
        return Judgement(False, f"error rate over the SLO: {said}")
    latency = reading.latency_p99_ms
    if slo.latency_p99_ms is not None and latency is not None:
        said += f", p99 {latency:.0f} ms (SLO {slo.latency_p99_ms} ms)"
        if latency > slo.latency_p99_ms:
            return Judgement(False, f"p99 latency over the SLO: {said}")
    return Judgement(True, said)


class CloudWatchSource:
    """An ALB target group's metrics: request count, target 5xx and TargetResponseTime p99."""

    NAMESPACE = "AWS/ApplicationELB"

    def __init__(self, cloudwatch: Any, load_balancer_arn: str) -> None:
        self.cloudwatch = cloudwatch
        self.load_balancer = load_balancer_arn.split(":loadbalancer/", 1)[-1]

    def read(self, subject: str, start: datetime, end: datetime) -> Reading:
        group = subject.split(":", 5)[-1]
        dimensions = [
            {"Name": "TargetGroup", "Value": group},
            {"Name": "LoadBalancer", "Value": self.load_balancer},
        ]
        period = max(60, int((end - start).total_seconds() // 60 + 1) * 60)
        requests = self._sum("RequestCount", dimensions, start, end, period)
        errors = self._sum("HTTPCode_Target_5XX_Count", dimensions, start, end, period)
        latency = self._p99(dimensions, start, end, period)
        return Reading(requests=requests, errors=errors, latency_p99_ms=latency)

    def _stats(
        self,
        metric: str,
        dims: list[dict[str, str]],
        start: datetime,
        end: datetime,
        period: int,
        **stat: Any,
    ) -> list[dict[str, Any]]:
        got = aws_call(
            f"reading {metric} from CloudWatch",
            self.cloudwatch.get_metric_statistics,
            Namespace=self.NAMESPACE,
            MetricName=metric,
            Dimensions=dims,
            StartTime=start,
            EndTime=end,
            Period=period,
            **stat,
        )
        points: list[dict[str, Any]] = got.get("Datapoints", [])
        return points

    def _sum(
        self, metric: str, dims: list[dict[str, str]], start: datetime, end: datetime, period: int
    ) -> float:
        points = self._stats(metric, dims, start, end, period, Statistics=["Sum"])
        return float(sum(p.get("Sum", 0.0) for p in points))

    def _p99(
        self, dims: list[dict[str, str]], start: datetime, end: datetime, period: int
    ) -> float | None:
        points = self._stats(
            "TargetResponseTime", dims, start, end, period, ExtendedStatistics=["p99"]
        )
        values = [
            p["ExtendedStatistics"]["p99"]
            for p in points
            if "p99" in p.get("ExtendedStatistics", {})
        ]
        return max(values) * 1000.0 if values else None
