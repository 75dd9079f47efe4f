"""The value forms match what Compose, the engine and the services were seen to accept."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from greenroom.model.forms import (
    CpuShare,
    EnvName,
    ImageRef,
    MemorySize,
    RedisMemory,
    SettingName,
    memory_bytes,
)


def accepts(form: Any, value: object) -> bool:
    try:
        TypeAdapter(form).validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("size", "expected"),
    [("512m", 512 * 1024**2), ("2g", 2 * 1024**3), ("2GiB", 2 * 1024**3), ("1.5g", 1536 * 1024**2)],
)
def test_memory_is_counted_as_compose_counts_it(size: str, expected: int) -> None:
    assert memory_bytes(size) == expected


@pytest.mark.parametrize("size", ["512m", "512M", "512mb", "512MiB", "2g", "2GB", "1.5g", 8388608])
def test_sizes_compose_accepts(size: object) -> None:
    assert accepts(MemorySize, size)


@pytest.mark.parametrize("size", ["2Gi", "512Mi", "1ki", "1x", "g", "-1g", "1.2.3g", "512 m", "4m"])
def test_sizes_compose_or_the_engine_refuses(size: str) -> None:
    assert not accepts(MemorySize, size)


@pytest.mark.parametrize(("cpus", "ok"), [(0.5, True), ("2", True), (0.001, False), (True, False)])
def test_cpu_shares(cpus: object, ok: bool) -> None:
    assert accepts(CpuShare, cpus) is ok


@pytest.mark.parametrize(
    ("ref", "ok"),
    [
        ("nginx", True),
        ("foo:Bar", True),
        ("a__b", True),
        ("a--b", True),
        ("localhost:5000/a/b:1.0", True),
        ("Example.com/foo", True),
        ("quay.io/prometheuscommunity/postgres-exporter:v0.15.0", True),
        ("Foo:bar", False),
        ("LOCALHOST/a", False),
        ("a___b", False),
        ("a-", False),
        ("a..b", False),
        ("foo:", False),
        ("a@sha256:abc", False),
    ],
)
def test_image_references_as_docker_parses_them(ref: str, ok: bool) -> None:
    assert accepts(ImageRef, ref) is ok


@pytest.mark.parametrize(("name", "ok"), [("LOG_LEVEL", True), ("discovery.type", True)])
def test_variable_names(name: str, ok: bool) -> None:
    assert accepts(EnvName, name) is ok
    assert not accepts(EnvName, f"{name}=x")


@pytest.mark.parametrize(
    ("size", "ok"), [("1gb", True), ("256MB", True), (1024, True), ("1.5gb", False), ("2Gi", False)]
)
def test_redis_sizes(size: object, ok: bool) -> None:
    assert accepts(RedisMemory, size) is ok


@pytest.mark.parametrize(
    ("name", "ok"), [("work_mem", True), ("pg_stat_statements.max", True), ("work mem", False)]
)
def test_postgres_setting_names(name: str, ok: bool) -> None:
    assert accepts(SettingName, name) is ok
