"""Host port allocation: `port_base + port % 1000`, deterministic, probing past collisions."""

from __future__ import annotations

import pytest

from greenroom.errors import ConfigError
from greenroom.model.environment import Environment
from greenroom.render import allocate_ports


def test_ports_follow_the_base_and_probe_past_collisions(make_env):
    ports = allocate_ports(make_env())
    assert ports == {
        "api": {8000: 25000},
        "aws": {4566: 25566},
        "ingress": {8080: 25080},
        "nats": {4222: 25222},
        "postgres": {5432: 25432},
        "redis": {6379: 25379},
        "worker": {8001: 25001},
    }


def test_replicas_reserve_a_range_and_push_the_next_port_on(make_env):
    ports = allocate_ports(make_env(services={"api": {"replicas": 3}}))
    assert ports["api"] == {8000: 25000}
    assert ports["worker"] == {8001: 25003}


def test_a_read_replica_gets_its_own_port(make_env):
    ports = allocate_ports(make_env(components={"postgres": {"read_replica": True}}))
    assert ports["postgres"] == {5432: 25432}
    assert ports["postgres-replica"] == {5432: 25433}


def test_the_same_model_in_another_order_gets_the_same_ports(make_env):
    env = make_env()
    data = env.model_dump(by_alias=True)
    data["components"] = dict(reversed(list(data["components"].items())))
    data["services"] = dict(reversed(list(data["services"].items())))
    assert allocate_ports(Environment.model_validate(data)) == allocate_ports(env)


def test_one_shots_and_scaled_to_zero_services_publish_nothing(make_env):
    ports = allocate_ports(make_env(services={"worker": {"replicas": 0}}))
    assert "migrate" not in ports
    assert "worker" not in ports


def test_ports_beyond_65535_are_refused(make_env):
    env = make_env()
    env = env.model_copy(update={"exposure": env.exposure.model_copy(update={"port_base": 65000})})
    with pytest.raises(ConfigError, match="no free host port") as caught:
        allocate_ports(env)
    assert caught.value.hint and "lower exposure.port_base" in caught.value.hint
