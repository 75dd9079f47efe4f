"""`inv test smoke` against a real dev replica: passes, re-runs, and names the hop that breaks.

Every run here writes to a throwaway ledger, never the project's own evidence.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from greenroom.components.aws.provision import AwsTarget, provision_aws
from greenroom.components.aws.spec import Aws
from greenroom.errors import SuiteError
from greenroom.release.ledger import entries
from greenroom.runtime import Replica
from greenroom.runtime.containers import project_containers
from greenroom.suites import resolve_target, run_suite
from greenroom.suites.target import Target

BROKEN_DEADLINE = 8.0


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "ledger.jsonl"


@pytest.fixture
def dev_target(dev_replica: Replica) -> Target:
    return resolve_target("dev")


def _container(replica: Replica, service: str) -> str:
    return next(c.name for c in project_containers(replica.project) if c.service == service)


def _failures(err: pytest.ExceptionInfo[SuiteError]) -> str:
    return str(err.value)


def test_smoke_passes_and_each_run_is_one_ledger_entry(
    dev_target: Target, ledger: Path, tmp_path: Path
) -> None:
    first = run_suite("smoke", "dev", target=dev_target, junit=tmp_path / "1.xml", ledger=ledger)
    again = run_suite("smoke", "dev", target=dev_target, junit=tmp_path / "2.xml", ledger=ledger)
    assert first.passed and again.passed
    assert first.summary.tests >= 10
    runs = entries(dev_target.digest, ledger)
    assert [e.result for e in runs] == ["pass", "pass"]
    assert dev_target.digest.startswith("sha256:")
    assert {e.junit_sha256 for e in runs} == {first.entry.junit_sha256, again.entry.junit_sha256}
    pg = dev_target.connection("postgres")
    secret = pg.password.get_secret_value() if pg else "x"
    for path in (first.junit, again.junit, ledger):
        assert secret not in path.read_text()


def test_the_cli_runs_smoke_and_writes_junit(
    dev_replica: Replica, ledger: Path, tmp_path: Path
) -> None:
    junit = tmp_path / "cli.xml"
    env = dict(os.environ, GREENROOM_LEDGER=str(ledger))
    out = subprocess.run(
        [sys.executable, "-m", "greenroom", "test", "smoke", "--env", "dev", "--junit", str(junit)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert junit.is_file() and "test_order_journey" in junit.read_text()
    (entry,) = entries(path=ledger)
    assert entry.result == "pass" and entry.junit == str(junit)


@pytest.fixture
def nats_stopped(dev_replica: Replica) -> Iterator[str]:
    name = _container(dev_replica, "nats")
    subprocess.run(["docker", "stop", "-t", "2", name], check=True, capture_output=True)
    yield name
    subprocess.run(["docker", "start", name], check=True, capture_output=True)
    _wait_healthy(dev_replica, "nats")


def _wait_healthy(replica: Replica, service: str, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if all(c.ok for c in project_containers(replica.project) if c.service == service):
            return
        time.sleep(1)
    raise AssertionError(f"{service} did not become healthy again")


def test_stopped_nats_fails_smoke_at_the_jetstream_hop(
    dev_target: Target, nats_stopped: str, ledger: Path, tmp_path: Path
) -> None:
    with pytest.raises(SuiteError) as err:
        run_suite(
            "smoke",
            "dev",
            target=dev_target,
            junit=tmp_path / "nats.xml",
            ledger=ledger,
            deadline=BROKEN_DEADLINE,
        )
    text = _failures(err)
    assert "hop 3/6 (outbox → JetStream) failed" in text
    assert "test_reachable[nats]" in text
    (entry,) = entries(dev_target.digest, ledger)
    assert entry.result == "fail"


@pytest.fixture
def bucket_deleted(dev_replica: Replica) -> Iterator[str]:
    name, spec = next((n, c) for n, c in dev_replica.env.components.items() if isinstance(c, Aws))
    from greenroom.runtime.probes import aws_endpoint

    access = dev_replica.access()
    target = AwsTarget(region=spec.region, endpoint_url=aws_endpoint(spec, name, access))
    s3 = target.client("s3")
    bucket = spec.buckets[0].name
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=bucket)
    yield bucket
    provision_aws(spec, target, access.secrets)


def test_deleted_bucket_fails_smoke_at_the_receipt_hop(
    dev_target: Target, bucket_deleted: str, ledger: Path, tmp_path: Path
) -> None:
    with pytest.raises(SuiteError) as err:
        run_suite(
            "smoke",
            "dev",
            target=dev_target,
            junit=tmp_path / "s3.xml",
            ledger=ledger,
            deadline=BROKEN_DEADLINE,
        )
    text = _failures(err)
    assert "hop 4/6 (JetStream → worker → S3) failed" in text
    assert "NoSuchBucket" in text
    assert "test_reachable[aws]" in text


def test_smoke_passes_again_once_repaired(dev_target: Target, ledger: Path, tmp_path: Path) -> None:
    run = run_suite(
        "smoke", "dev", target=dev_target, junit=tmp_path / "ok.xml", ledger=ledger, deadline=60
    )
    assert run.passed
