"""The monitoring kinds on a real prod replica: Prometheus scrapes every declared target, all up."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from greenroom.runtime import Replica, down, up
from greenroom.suites.run import run_suite
from greenroom.suites.target import replica_target

LIGHT = (
    "components.aws.emulator=moto",
    "components.postgres.read_replica=false",
    "services.api.replicas=2",
    "services.worker.replicas=1",
)
"""prod's monitoring block as declared; fewer containers than prod so two cores bring it up."""


@pytest.fixture(scope="module")
def prod_replica() -> Iterator[Replica]:
    replica = up("prod", overrides=LIGHT)
    try:
        yield replica
    finally:
        down("prod", overrides=LIGHT, volumes=True, yes=True)


def _targets(replica: Replica) -> list[dict[str, object]]:
    port = replica.host_ports["prometheus"][9090]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/targets", timeout=5) as answer:
        data = json.load(answer)
    return list(data["data"]["activeTargets"])


def test_prometheus_reports_every_declared_target_up(prod_replica: Replica) -> None:
    targets = _targets(prod_replica)
    jobs = {str(t["labels"]["job"]) for t in targets}  # type: ignore[index]
    assert jobs == {"prometheus", "alertmanager", "api", "worker", "postgres-exporter"}
    api = [t for t in targets if t["labels"]["job"] == "api"]  # type: ignore[index]
    assert len(api) == 2, "both api replicas are discovered"
    down_ = [t for t in targets if t["health"] != "up"]
    assert not down_, f"targets not up: {down_}"


def test_the_exporter_and_alertmanager_pass_the_smoke_checks(
    prod_replica: Replica, tmp_path: Path
) -> None:
    target = replica_target(prod_replica.env, prod_replica.access(), {"api": "sha256:" + "a" * 64})
    run = run_suite(
        "smoke",
        "prod",
        target=target,
        junit=tmp_path / "smoke.xml",
        ledger=tmp_path / "ledger.jsonl",
        extra_args=["-k", "prometheus or alertmanager or postgres-exporter"],
    )
    text = run.junit.read_text()
    for name in ("prometheus", "alertmanager", "postgres-exporter"):
        assert f"test_reachable[{name}]" in text
    assert run.passed
