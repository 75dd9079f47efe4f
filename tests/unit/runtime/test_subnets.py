"""Subnets for a replica's networks: small, free, and the same for a network that exists."""

from __future__ import annotations

import ipaddress

import pytest

from greenroom.errors import ConfigError, ReplicaError
from greenroom.runtime.subnets import DEFAULT_POOL, allocate, pool

POOL = ipaddress.IPv4Network("10.99.0.0/22")


def test_each_network_gets_its_own_free_slash_24() -> None:
    engine = {"bridge": ["172.17.0.0/16"], "other_net": ["10.99.0.0/24", "10.99.1.0/24"]}
    chosen = allocate("team-dev", ["data", "edge"], engine, POOL)
    assert set(chosen) == {"data", "edge"}
    assert sorted(chosen.values()) == ["10.99.2.0/24", "10.99.3.0/24"]


def test_the_pool_running_out_says_what_to_do() -> None:
    engine = {"other": ["10.99.0.0/23"]}
    with pytest.raises(ReplicaError) as caught:
        allocate("team-dev", ["a", "b", "c"], engine, POOL)
    assert "GREENROOM_SUBNET_POOL" in (caught.value.hint or "")


def test_a_network_that_exists_keeps_its_subnet() -> None:
    engine = {"team-dev_data": ["10.99.3.0/24"]}
    assert allocate("team-dev", ["data"], engine, POOL) == {"data": "10.99.3.0/24"}


def test_two_projects_start_their_search_at_different_places() -> None:
    wide = ipaddress.IPv4Network(DEFAULT_POOL)
    starts = {allocate(f"team-{n}", ["data"], {}, wide)["data"] for n in range(20)}
    assert len(starts) > 15


def test_the_pool_comes_from_the_environment_and_is_checked() -> None:
    assert pool({}) == ipaddress.IPv4Network(DEFAULT_POOL)
    assert pool({"GREENROOM_SUBNET_POOL": "10.1.0.0/20"}) == ipaddress.IPv4Network("10.1.0.0/20")
    for bad in ("not-a-net", "10.1.0.0/28"):
        with pytest.raises(ConfigError) as caught:
            pool({"GREENROOM_SUBNET_POOL": bad})
        assert "GREENROOM_SUBNET_POOL" in str(caught.value)
