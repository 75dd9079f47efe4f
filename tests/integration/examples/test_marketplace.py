"""examples/000-marketplace: dev, stage and prod come up, an order passes every hop in smoke, the
data ports refuse the ingress and the providers, and the seed's per-branch release rules hold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from seed_examples import EnvRun, bring_up

TEAM_RULES = (
    "test_the_order_is_charged_through_the_payments_api",
    "test_the_buyer_is_mailed_through_the_smtp_provider",
    "test_the_worker_writes_the_receipt_to_the_media_bucket",
    "test_debug_logging_and_feature_flags_only_in_dev",
)
DATA_PORTS = ("postgres:5432", "redis:6379")


@pytest.fixture(scope="module", params=["dev", "stage", "prod"])
def marketplace(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EnvRun]:
    yield from bring_up("000-marketplace", request.param, tmp_path_factory.mktemp(request.param))


def test_smoke_follows_an_order_through_every_hop(marketplace: EnvRun) -> None:
    assert marketplace.smoke.returncode == 0, marketplace.smoke.output[-3000:]
    assert {rule: marketplace.smoke.verdicts.get(rule) for rule in TEAM_RULES} == dict.fromkeys(
        TEAM_RULES, "passed"
    )


def test_the_data_ports_refuse_the_ingress_and_the_providers(marketplace: EnvRun) -> None:
    verdicts = {p["property"]: p["verdict"] for p in marketplace.network.parity["properties"]}
    for source in ("ingress", "payments", "mail"):
        for port in DATA_PORTS:
            assert verdicts[f"{source} cannot connect to {port}"] == "verified"
    assert marketplace.network.parity["failed"] == 0, marketplace.network.output[-3000:]
    assert marketplace.network.published() == {"ingress"}


def test_the_object_store_and_the_ingress_admit_only_whom_the_seed_names(
    marketplace: EnvRun,
) -> None:
    verdicts = {p["property"]: p["verdict"] for p in marketplace.network.parity["properties"]}
    for source in ("ingress", "migrate", "payments", "mail", "postgres"):
        assert verdicts[f"{source} cannot connect to aws:4566"] == "verified"
    for source in ("web", "worker", "aws", "postgres", "redis"):
        assert verdicts[f"{source} cannot connect to ingress:8080"] == "verified"
    assert verdicts["aws (zone data) has no route to the internet"] == "verified"


def test_network_parity_reaches_its_target(marketplace: EnvRun) -> None:
    assert marketplace.network.returncode == 0, marketplace.network.output[-3000:]
    # What is not verified live is the public domains (two, and prod's three), nothing else.
    unverified = [
        p["id"] for p in marketplace.network.parity["properties"] if p["verdict"] != "verified"
    ]
    assert unverified and all(p.startswith("domain:") for p in unverified), unverified


def test_each_environment_deploys_from_the_seeds_branch(marketplace: EnvRun) -> None:
    plan = marketplace.example.run("promote", marketplace.name, "--plan", check=False)
    (gate,) = [
        line
        for line in (plan.stdout + plan.stderr).splitlines()
        if line.split()[:2] in (["ok", "branch"], ["FAIL", "branch"])
    ]
    assert {"dev": "develop", "stage": "release/*", "prod": "main"}[marketplace.name] in gate
