"""Drills and faults on the reference prod replica: a backup restored and a failover with nothing
lost, and each fault undone on the way out. Each drill writes to a throwaway ledger."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from greenroom.drills import faults
from greenroom.drills.backup import drill_backup
from greenroom.drills.failover import drill_failover
from greenroom.drills.jetstream import drill_jetstream
from greenroom.errors import SuiteError
from greenroom.images.catalog import CATALOG
from greenroom.images.engine import api
from greenroom.release.ledger import entries
from greenroom.runtime import Replica, down, up
from greenroom.suites import resolve_target, run_suite


@pytest.fixture(scope="module")
def prod() -> Iterator[Replica]:
    replica = up("prod")
    yield replica
    down("prod", volumes=True, yes=True)


def _networks(container: str) -> set[str]:
    return set(api().inspect_container(container)["NetworkSettings"]["Networks"])


def _answers(port: int) -> bool:
    """Whether Redis on ``port`` replies to PING at all (an auth error is a reply)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.settimeout(1)
            conn.sendall(b"PING\r\n")
            return conn.recv(64) != b""
    except OSError:
        return False


def test_backup_restores_every_acknowledged_row_and_reports_rpo_and_rto(
    prod: Replica, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = tmp_path / "ledger.jsonl"
    monkeypatch.setenv("GREENROOM_LEDGER", str(ledger))
    drill = drill_backup("prod")
    assert drill.acknowledged > 0 and drill.lost == 0
    assert drill.restored >= drill.acknowledged
    assert drill.checksums_equal and drill.tables and all(drill.tables.values())
    assert drill.rto_seconds > 0
    (entry,) = entries(path=ledger)
    assert entry.suite == "drill-backup" and entry.result == "pass"
    assert entry.measures["rows_lost"] == "0" and float(entry.measures["rto_seconds"]) > 0
    report = json.loads(Path(entry.junit).read_text())
    assert [what for _, what in report["timeline"]][-1] == "checksums compared"


def test_failover_loses_no_acknowledged_write_and_leaves_the_replica_as_modelled(
    prod: Replica, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = tmp_path / "ledger.jsonl"
    monkeypatch.setenv("GREENROOM_LEDGER", str(ledger))
    drill = drill_failover("prod")
    assert drill.acknowledged > 0 and drill.lost == 0 and drill.written_after > 0
    assert drill.rto_seconds > 0 and drill.name_seconds > 0
    (entry,) = entries(path=ledger)
    assert entry.suite == "drill-failover" and entry.result == "pass"
    assert entry.measures["acknowledged_lost"] == "0"
    replicas = faults.containers(prod.project, "postgres-replica")
    assert len(replicas) == 1 and replicas[0]["State"] == "running"


def test_a_jetstream_restart_keeps_every_acknowledged_message(
    prod: Replica, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GREENROOM_LEDGER", str(tmp_path / "ledger.jsonl"))
    drill = drill_jetstream("prod")
    assert drill.acknowledged > 0 and drill.lost == 0 and drill.rto_seconds > 0
    (entry,) = entries(path=tmp_path / "ledger.jsonl")
    assert entry.suite == "drill-jetstream" and entry.measures["messages_lost"] == "0"
    (nats,) = faults.containers(prod.project, "nats")
    assert "REJECT" in _reach_rules(nats["Id"]), "the restarted NATS got its reach rules back"


def _reach_rules(container: str) -> str:
    """The packet filter rules in ``container``'s network namespace."""
    beside = ["--network", f"container:{container}", "--cap-add", "NET_ADMIN"]
    listing = ["--entrypoint", "iptables", CATALOG["guard"].ref, "-S", "INPUT"]
    return subprocess.run(
        ["docker", "run", "--rm", *beside, *listing],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _network_suite(folder: Path) -> SuiteError | None:
    try:
        run_suite(
            "network",
            "prod",
            target=resolve_target("prod"),
            junit=folder / "network.xml",
            ledger=folder / "ledger.jsonl",
        )
    except SuiteError as exc:
        return exc
    return None


def test_a_container_restarted_outside_up_is_reported_until_up_applies_its_rules_again(
    prod: Replica, tmp_path: Path
) -> None:
    with faults.stopped(prod.project, "api") as fault:  # then started: a crash and a restart
        restarted = fault.containers
    assert _network_suite(tmp_path / "restarted") is not None
    report = json.loads((tmp_path / "restarted" / "network.parity.json").read_text())
    reason = {p["id"]: p for p in report["properties"]}["closed:postgres->api:8000"]["reason"]
    assert "postgres -> api:8000 is open through network to-postgres" in reason
    assert any(f"reach rules inside {name} that refuse postgres" in reason for name in restarted)
    assert "run `inv up prod` to apply them again" in reason
    up("prod")
    assert _network_suite(tmp_path / "after-up") is None


def test_a_paused_service_answers_nothing_until_it_is_resumed(prod: Replica) -> None:
    port = prod.host_ports["redis"][6379]
    with faults.paused(prod.project, "redis") as fault:
        assert fault.kind == "pause" and fault.containers
        assert not _answers(port)
    end = time.monotonic() + 10
    while not _answers(port) and time.monotonic() < end:
        time.sleep(0.2)
    assert _answers(port)


def test_a_cut_service_leaves_the_network_and_comes_back_under_its_name(prod: Replica) -> None:
    network = f"{prod.project}_to-redis"
    with faults.cut(prod.project, "redis", "to-redis") as fault:
        (container,) = fault.containers
        assert network not in _networks(container)
    settings = api().inspect_container(container)["NetworkSettings"]["Networks"]
    assert "redis" in (settings[network].get("Aliases") or [])
