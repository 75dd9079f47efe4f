"""The same smoke suite on variants of the dev replica: moto instead of LocalStack, Redis with auth.

Each test replaces the shared dev replica by its variant (down, then up: a variant may move host
ports), and restores the plain model afterwards; data volumes are kept throughout.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import SecretStr

from greenroom.errors import SuiteError
from greenroom.release.ledger import entries
from greenroom.runtime import Replica, down, up
from greenroom.suites import resolve_target, run_suite


@pytest.fixture
def variant(dev_replica: Replica, request: pytest.FixtureRequest) -> Iterator[list[str]]:
    overrides: list[str] = list(request.param)
    down("dev")
    up("dev", overrides=overrides)
    yield overrides
    down("dev", overrides=overrides)
    up("dev")


@pytest.mark.parametrize("variant", [["components.aws.emulator=moto"]], indirect=True)
def test_smoke_passes_with_moto(variant: list[str], tmp_path: Path) -> None:
    target = resolve_target("dev", overrides=variant)
    aws = target.connection("aws")
    assert aws and aws.emulator == "moto"
    ledger = tmp_path / "ledger.jsonl"
    run = run_suite("smoke", "dev", target=target, junit=tmp_path / "moto.xml", ledger=ledger)
    assert run.passed
    assert [e.result for e in entries(target.digest, ledger)] == ["pass"]


@pytest.mark.parametrize("variant", [["components.redis.auth=true"]], indirect=True)
def test_redis_auth_is_enforced_and_a_wrong_password_named(
    variant: list[str], tmp_path: Path
) -> None:
    target = resolve_target("dev", overrides=variant)
    rd = target.connection("redis")
    assert rd and rd.auth and rd.password
    ledger = tmp_path / "ledger.jsonl"
    run = run_suite("smoke", "dev", target=target, junit=tmp_path / "auth.xml", ledger=ledger)
    assert run.passed
    cases = ET.parse(tmp_path / "auth.xml").getroot().iter("testcase")
    refusal = next(c for c in cases if c.get("name") == "test_refused_without_credentials[redis]")
    assert refusal.find("skipped") is None, "with auth on, the refusal check must really run"

    wrong_redis = replace(rd, password=SecretStr("wrong-password"))
    wrong = replace(target, connections={**target.connections, "redis": wrong_redis})
    with pytest.raises(SuiteError) as err:
        run_suite(
            "smoke", "dev", target=wrong, junit=tmp_path / "wrong.xml", ledger=ledger, deadline=8
        )
    assert "redis is not reachable with dev's credentials" in str(err.value)
    assert "wrong-password" not in str(err.value)
    assert [e.result for e in entries(target.digest, ledger)] == ["pass", "fail"]
