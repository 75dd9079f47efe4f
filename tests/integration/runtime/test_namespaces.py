"""Replicas made by tests live in a namespace of their own: a user's replica of the same env,
its containers and its data, is left exactly as it was."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from greenroom.runtime import Replica, down, up
from greenroom.runtime.containers import project_containers

LIGHT = ["components.aws.emulator=moto", "exposure.port_base=18000"]
"""The user's dev replica, light (moto), on ports clear of the session's own dev replica."""


def _volumes_of(project: str) -> list[str]:
    return subprocess.run(
        ["docker", "volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={project}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


def _pg(replica: Replica) -> psycopg.Connection[Any]:
    connection: psycopg.Connection[Any] = (
        replica.parts["postgres"].connect(replica.access()).connect()
    )
    return connection


@pytest.fixture
def user_dev(monkeypatch: pytest.MonkeyPatch) -> Iterator[Replica]:
    """A dev replica in the default namespace, as `./scripts/bootstrap up dev` makes it."""
    with monkeypatch.context() as user:
        user.delenv("GREENROOM_NAMESPACE")
        project = Replica.open("dev", LIGHT).project
        if project_containers(project) or _volumes_of(project):
            pytest.skip(f"your own dev replica ({project}) exists here; this test would replace it")
        replica = up("dev", overrides=LIGHT)
    try:
        yield replica
    finally:
        with monkeypatch.context() as user:
            user.delenv("GREENROOM_NAMESPACE", raising=False)
            down("dev", volumes=True, yes=True, overrides=LIGHT)


def test_a_namespaced_up_and_down_leaves_the_users_replica_alone(
    user_dev: Replica, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = f"kept-{secrets.token_hex(4)}"
    with _pg(user_dev) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS greenroom_guard (note text)")
        conn.execute("INSERT INTO greenroom_guard VALUES (%s)", (row,))
    before = {c.name: (c.id, c.status) for c in project_containers(user_dev.project)}
    assert before and all(
        status == "running" for name, (_, status) in before.items() if "migrate" not in name
    )

    # What an integration session does to dev: up, then down with its volumes. In a child of the
    # tests' namespace, so the session's shared dev replica is not the one removed here.
    monkeypatch.setenv("GREENROOM_NAMESPACE", f"{os.environ['GREENROOM_NAMESPACE']}-guard")
    tests_dev = up("dev", overrides=LIGHT)
    assert tests_dev.project != user_dev.project
    assert tests_dev.dir != user_dev.dir
    assert tests_dev.state_dir != user_dev.state_dir
    assert not {p for ps in tests_dev.host_ports.values() for p in ps.values()} & {
        p for ps in user_dev.host_ports.values() for p in ps.values()
    }
    down("dev", volumes=True, yes=True, overrides=LIGHT)
    assert project_containers(tests_dev.project) == []
    assert _volumes_of(tests_dev.project) == []

    after = {c.name: (c.id, c.status) for c in project_containers(user_dev.project)}
    assert after == before
    with _pg(user_dev) as conn:
        notes = [r[0] for r in conn.execute("SELECT note FROM greenroom_guard").fetchall()]
    assert row in notes
