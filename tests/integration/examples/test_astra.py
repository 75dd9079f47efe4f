"""examples/002-astra: dev, stage and prod come up, pass smoke and network, and open to the outside
what the seed draws: dev the frontend, backend and database, stage the frontend, prod the ingress in
front of the frontend; the Postgres exporter runs in prod only and Prometheus scrapes it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from seed_examples import EnvRun, bring_up

PUBLISHED = {"dev": {"frontend", "backend", "postgres"}, "stage": {"frontend"}, "prod": {"ingress"}}
TEAM_RULES = (
    "test_the_page_shows_what_the_backend_stores_in_postgres",
    "test_prometheus_scrapes_frontend_backend_and_in_prod_the_exporter",
    "test_only_the_seeds_load_balancers_are_reachable_from_outside",
)


@pytest.fixture(scope="module", params=["dev", "stage", "prod"])
def astra(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EnvRun]:
    yield from bring_up("002-astra", request.param, tmp_path_factory.mktemp(request.param))


def test_smoke_passes_with_the_teams_checks_of_the_seed(astra: EnvRun) -> None:
    assert astra.smoke.returncode == 0, astra.smoke.output[-3000:]
    assert {rule: astra.smoke.verdicts.get(rule) for rule in TEAM_RULES} == dict.fromkeys(
        TEAM_RULES, "passed"
    )


def _grafana_pulled() -> bool:
    from greenroom.images.engine import image_id

    return image_id("greenroom/grafana:11.6") is not None


def test_network_passes_with_every_path_verified_live(astra: EnvRun) -> None:
    assert astra.network.returncode == 0, astra.network.output[-3000:]
    assert astra.network.parity["failed"] == 0
    # Air-gapped, Grafana's absence is the one property not verified (dev and stage: 26 of 27;
    # prod: 50 of 51), which leaves each above the parity target.
    assert astra.network.parity["not_emulable"] == (0 if _grafana_pulled() else 1)


def test_grafana_runs_or_the_replica_says_why_it_cannot(astra: EnvRun) -> None:
    status = astra.example.json("status", astra.name, "--json")
    running = {s["name"] for s in status["services"] if s["state"] == "running"}
    verdicts = {p["property"]: p for p in astra.network.parity["properties"]}
    if _grafana_pulled():
        assert "grafana" in running
        return
    # Air-gapped: Grafana's image cannot be built here; the rest runs, and both up and the
    # network report name what is left out and why.
    assert "grafana" not in running and status["healthy"]
    assert "grafana cannot run here, the replica runs without it" in astra.up
    assert "Debian does not package Grafana" in " ".join(astra.up.split())
    absent = verdicts["grafana runs in the replica"]
    assert absent["verdict"] == "not emulable"
    assert "docker pull grafana/grafana:11.6.0" in absent["reason"]


def test_only_the_seeds_load_balancers_publish_on_every_interface(astra: EnvRun) -> None:
    assert astra.network.published() == PUBLISHED[astra.name]


def test_the_frontend_alone_is_behind_the_prod_ingress(astra: EnvRun) -> None:
    properties = {p["property"]: p["verdict"] for p in astra.network.parity["properties"]}
    routed = {
        name.split(" connects to ")[1].split(":")[0]
        for name in properties
        if name.startswith("ingress connects to ")
    }
    assert routed == ({"frontend"} if astra.name == "prod" else set())


def test_the_postgres_exporter_runs_in_prod_only_and_is_scraped(astra: EnvRun) -> None:
    status = astra.example.json("status", astra.name, "--json")
    assert status["healthy"]
    running = {s["name"] for s in status["services"] if s["state"] == "running"}
    assert ("postgres-exporter" in running) == (astra.name == "prod")
    properties = {p["property"]: p["verdict"] for p in astra.network.parity["properties"]}
    scraped = {
        name.split(" connects to ")[1].split(":")[0]
        for name, verdict in properties.items()
        if name.startswith("prometheus connects to ") and verdict == "verified"
    }
    expected = {"frontend", "backend", "alertmanager"}
    assert scraped == expected | ({"postgres-exporter"} if astra.name == "prod" else set())
