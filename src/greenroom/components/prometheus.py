"""Prometheus: scrapes every service that declares a metrics path and every exporter of the model.

Its configuration is generated from the model, so what is scraped is what is declared; ready means
every scrape target reports up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from greenroom.components import register
from greenroom.components.access import Access, HttpConnection, Probe, ProbeFailed, http_get
from greenroom.components.base import (
    Base,
    Component,
    Fixture,
    Fragment,
    RenderContext,
    ScrapeTarget,
    healthcheck,
)
from greenroom.model.types import ComponentBase, Duration, Name, Text

if TYPE_CHECKING:
    from greenroom.model.environment import Environment
    from greenroom.model.refs import References

PORT = 9090
CONFIG = "/etc/prometheus/prometheus.yml"
DATA = "/prometheus"


class Prometheus(ComponentBase):
    """A Prometheus server for the environment's metrics."""

    kind: Literal["prometheus"] = "prometheus"
    zone: Name = "ops"
    version: Text | None = None
    scrape_interval: Duration = "10s"
    retention: Duration = "15d"
    alertmanagers: list[Name] = Field(default_factory=list)
    """Alertmanager components it sends alerts to."""
    persistence: bool = False
    """Keep the time series in a named volume across `down`/`up`."""


def _url(access: Access, name: str) -> str:
    return f"http://{access.host}:{access.port(name, PORT)}"


def targets_health(url: str) -> tuple[list[str], list[str], dict[str, int]]:
    """(up, not up, job -> targets up) of the Prometheus at ``url``; labels `job host:port`."""
    data = json.loads(http_get(f"{url}/api/v1/targets?state=active"))
    up: list[str] = []
    down: list[str] = []
    per_job: dict[str, int] = {}
    for target in data.get("data", {}).get("activeTargets", []):
        job = target["labels"].get("job", "?")
        label = f"{job} {target['labels'].get('instance', '?')}"
        if target.get("health") == "up":
            up.append(label)
            per_job[job] = per_job.get(job, 0) + 1
        else:
            down.append(f"{label} ({target.get('lastError') or target.get('health')})")
    return up, down, per_job


def missing_jobs(expected: Mapping[str, int], per_job: Mapping[str, int]) -> list[str]:
    """The jobs with fewer targets up than the model declares (replicas discovered by DNS)."""
    return [
        f"{job} ({per_job.get(job, 0)}/{want} up)"
        for job, want in sorted(expected.items())
        if per_job.get(job, 0) < want
    ]


def prometheus_url(conn: HttpConnection) -> str:
    """Base URL of the environment's Prometheus (its HTTP API is under /api/v1)."""
    return conn.url


@register("prometheus")
class PrometheusComponent(Base[Prometheus]):
    """Scrape jobs come from every part's `scrape_targets()`: services and exporters alike."""

    spec_model = Prometheus
    fixtures: ClassVar[Mapping[str, Fixture]] = {
        "prometheus_url": Fixture(prometheus_url, scope="session")
    }
    why_nothing_to_refuse = "Prometheus has no authentication"

    def __init__(self, name: str, spec: Prometheus) -> None:
        super().__init__(name, spec)
        self.targets: tuple[ScrapeTarget, ...] = ()
        self.sources: tuple[str, ...] = ()
        self.alerting: tuple[str, ...] = ()

    def check(self, c: References) -> None:
        for i, target in enumerate(self.spec.alertmanagers):
            found = c.env.components.get(target)
            if found is None or found.kind != "alertmanager":
                declared = [n for n, s in c.env.components.items() if s.kind == "alertmanager"]
                c.missing(
                    ("components", self.name, "alertmanagers", i),
                    f"prometheus `{self.name}`",
                    "alertmanager",
                    target,
                    declared,
                )

    def attach(self, others: Mapping[str, Component]) -> None:
        found = [
            (name, target)
            for name, part in others.items()
            if name != self.name
            for target in part.scrape_targets()
        ]
        self.targets = tuple(t for _, t in found)
        self.sources = tuple(sorted({name for name, _ in found}))
        self.alerting = tuple(
            f"{name}:{port}"
            for name in self.spec.alertmanagers
            if name in others
            for port in others[name].container_ports().get(name, ())[:1]
        )

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        return {self.name: (PORT,)}

    def talks_to(self) -> tuple[str, ...]:
        return tuple(sorted({*self.sources, *self.spec.alertmanagers}))

    def images(self) -> tuple[str, ...]:
        return ("prometheus",)

    def caption(self) -> str:
        return f"prometheus :{PORT}<br/>{len(self.targets)} scrape job(s)"

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        volumes = [f"./{self.name}/prometheus.yml:{CONFIG}:ro"]
        if self.spec.persistence:
            volumes.append(f"{self.name}-data:{DATA}")
        fragment: Fragment = {
            "image": ctx.image("prometheus", self.spec.version),
            "command": [
                f"--config.file={CONFIG}",
                f"--storage.tsdb.path={DATA}",
                f"--storage.tsdb.retention.time={self.spec.retention}",
                "--web.enable-lifecycle",
            ],
            "volumes": volumes,
            "healthcheck": healthcheck(
                ["CMD", "curl", "-fsS", "-o", "/dev/null", f"http://127.0.0.1:{PORT}/-/ready"]
            ),
        }
        return {self.name: fragment}

    def volumes(self) -> tuple[str, ...]:
        return (f"{self.name}-data",) if self.spec.persistence else ()

    def files(self, env: Environment) -> dict[str, str]:
        return {
            f"{self.name}/prometheus.yml": scrape_config(self.spec, self.targets, self.alerting)
        }

    def probe(self, access: Access) -> Probe:
        url = _url(access, self.name)

        def run() -> str:
            http_get(f"{url}/-/ready")
            up, down, per_job = targets_health(url)
            waiting = missing_jobs(self.expected(), per_job)
            if down or waiting:
                raise ProbeFailed("scrape targets not up yet: " + "; ".join([*waiting, *down]))
            return f"Prometheus, {len(up)} target(s) up"

        return run

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        return _url(access, self.name) if access.has_port(self.name, PORT) else None

    def connect(self, access: Access) -> HttpConnection | None:
        if not access.has_port(self.name, PORT):
            return None
        return HttpConnection(_url(access, self.name), "/-/ready")

    def reach(self, conn: HttpConnection) -> str:
        conn.reach()
        up, down, per_job = targets_health(conn.url)
        waiting = missing_jobs(self.expected(), per_job)
        if down or waiting:
            raise AssertionError(f"scrape target(s) not up: {'; '.join([*waiting, *down])}")
        return f"Prometheus at {conn.url}, {len(up)} target(s) up"

    def expected(self) -> dict[str, int]:
        """Job -> how many targets the model says it has (itself included)."""
        return {"prometheus": 1, **{t.job: max(t.replicas, 1) for t in self.targets}}


def scrape_config(
    spec: Prometheus, targets: tuple[ScrapeTarget, ...], alerting: tuple[str, ...] = ()
) -> str:
    """prometheus.yml: itself, each target (DNS discovery for replicated services), alerting."""
    jobs: list[Fragment] = [
        {"job_name": "prometheus", "static_configs": [{"targets": [f"localhost:{PORT}"]}]}
    ]
    for target in sorted(targets, key=lambda t: t.job):
        job: Fragment = {"job_name": target.job, "metrics_path": target.path}
        if target.replicas > 1:
            job["dns_sd_configs"] = [
                {"names": [target.host], "type": "A", "port": target.port, "refresh_interval": "5s"}
            ]
        else:
            job["static_configs"] = [{"targets": [f"{target.host}:{target.port}"]}]
        jobs.append(job)
    document: Fragment = {
        "global": {"scrape_interval": spec.scrape_interval, "evaluation_interval": "15s"},
        "scrape_configs": jobs,
    }
    if alerting:
        document["alerting"] = {
            "alertmanagers": [{"static_configs": [{"targets": list(alerting)}]}]
        }
    from greenroom.render.compose import dump

    return "# Generated by greenroom from the environment's model.\n" + dump(document)
