"""Starting created containers without Compose: the secret files match what Compose writes."""

from __future__ import annotations

import io
import tarfile
from pathlib import PurePosixPath

from greenroom.runtime.containers import ContainerInfo
from greenroom.runtime.quickstart import secret_files, start_created, tar_archive

COMPOSE = {
    "secrets": {
        "db-password": {"environment": "GREENROOM_SECRET_DB_PASSWORD"},
        "tls-key": {"file": "./tls.key"},
    },
    "services": {
        "api": {"secrets": ["db-password"]},
        "worker": {
            "secrets": [{"source": "db-password", "target": "pg", "mode": "0400", "uid": "10001"}]
        },
        "edge": {"secrets": ["tls-key"]},
        "plain": {},
    },
}
VALUES = {"GREENROOM_SECRET_DB_PASSWORD": "s3cret"}


def test_short_syntax_lands_in_run_secrets_readable_by_all() -> None:
    assert secret_files(COMPOSE, "api", VALUES) == [
        (PurePosixPath("/run/secrets/db-password"), b"s3cret", 0o444, 0, 0)
    ]


def test_long_syntax_keeps_target_mode_and_owner() -> None:
    assert secret_files(COMPOSE, "worker", VALUES) == [
        (PurePosixPath("/run/secrets/pg"), b"s3cret", 0o400, 10001, 0)
    ]


def test_a_secret_it_cannot_copy_as_compose_would_declines() -> None:
    assert secret_files(COMPOSE, "edge", VALUES) is None
    assert secret_files(COMPOSE, "api", {}) is None
    assert secret_files(COMPOSE, "plain", VALUES) == []


def test_archive_carries_path_mode_and_owner() -> None:
    files = secret_files(COMPOSE, "worker", VALUES) or []
    with tarfile.open(fileobj=io.BytesIO(tar_archive(files))) as tar:
        (member,) = tar.getmembers()
        assert (member.name, member.mode, member.uid) == ("run/secrets/pg", 0o400, 10001)
        extracted = tar.extractfile(member)
        assert extracted is not None and extracted.read() == b"s3cret"


def _container(service: str, status: str) -> ContainerInfo:
    return ContainerInfo(
        id=f"{service}-1", name=f"p-{service}-1", service=service, status=status,
        health=None, exit_code=0, image="sha256:0", created="0", ports={},
    )  # fmt: skip


def test_declines_without_touching_the_engine_unless_every_container_is_fresh() -> None:
    # No engine is reachable from unit tests: a call to it would raise, not return False.
    running = {"api": [_container("api", "running")]}
    assert not start_created(["api"], running, {"api": 1}, COMPOSE, VALUES)
    missing = {"api": [_container("api", "created")]}
    assert not start_created(["api"], missing, {"api": 2}, COMPOSE, VALUES)
    file_secret = {"edge": [_container("edge", "created")]}
    assert not start_created(["edge"], file_secret, {"edge": 1}, COMPOSE, VALUES)
