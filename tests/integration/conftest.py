"""Replicas shared by integration tests: one dev replica per session, removed at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from greenroom.runtime import Replica, down, up


@pytest.fixture(scope="session")
def dev_replica(docker_engine: None) -> Iterator[Replica]:
    """The reference dev replica (LocalStack), up, healthy and provisioned."""
    replica = up("dev")
    yield replica
    down("dev", volumes=True, yes=True)
