"""Monitoring kinds: Prometheus scrapes what the model declares, the exporter logs in."""

from __future__ import annotations

import yaml

from greenroom.components import parts
from greenroom.model import load_environment
from greenroom.render.compose import render_project
from greenroom.render.workdir import context_for


def _prod() -> tuple[object, dict[str, str]]:
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = load_environment("prod", root=root)
    files = render_project(env, context_for(env, root)).files
    return env, files


def test_prometheus_scrapes_every_service_with_metrics_and_every_exporter() -> None:
    _, files = _prod()
    config = yaml.safe_load(files["prometheus/prometheus.yml"])
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {"prometheus", "alertmanager", "api", "worker", "postgres-exporter"}
    assert jobs["api"]["dns_sd_configs"] == [
        {"names": ["api"], "type": "A", "port": 8000, "refresh_interval": "5s"}
    ]
    assert jobs["worker"]["dns_sd_configs"][0]["port"] == 8001
    assert jobs["postgres-exporter"]["static_configs"] == [{"targets": ["postgres-exporter:9187"]}]
    alerting = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert alerting == ["alertmanager:9093"]


def test_prometheus_joins_the_networks_of_what_it_scrapes_without_waiting_for_them() -> None:
    _, files = _prod()
    services = yaml.safe_load(files["compose.yaml"])["services"]
    assert set(services["prometheus"]["networks"]) == {
        "to-alertmanager",
        "to-api",
        "to-postgres-exporter",
        "to-worker",
    }
    assert "depends_on" not in services["prometheus"]
    exporter = services["postgres-exporter"]
    assert set(exporter["networks"]) == {"to-postgres", "to-postgres-exporter"}
    assert exporter["environment"]["DATA_SOURCE_USER"] == "shop"
    assert exporter["environment"]["DATA_SOURCE_PASS_FILE"] == "/run/secrets/postgres-password"
    assert exporter["secrets"] == ["postgres-password"]
    assert "postgres-password" not in str(exporter["environment"]).replace(
        "/run/secrets/postgres-password", ""
    )


def test_a_service_without_a_metrics_path_is_not_scraped() -> None:
    env = load_environment("prod", overrides=["services.worker.metrics=null"])
    prometheus = parts(env)["prometheus"]
    assert {t.job for t in prometheus.scrape_targets()} == set()
    assert "worker" not in {t.job for t in getattr(prometheus, "targets", ())}
