"""Reach rules: who each target admits, on which ports, after the sources' zone egress."""

from __future__ import annotations

from typing import Any

from greenroom.model import load_environment
from greenroom.model.environment import Environment
from greenroom.model.reach import admissions, admits

SMALL: dict[str, Any] = {
    "name": "dev",
    "project": "shop",
    "zones": {"app": {}, "data": {"internal": True}, "ops": {}},
    "secrets": {"pg": {"generate": True}},
    "components": {
        "postgres": {"password": {"secret": "pg"}},
        "redis": {},
        "aws": {"zone": "ops"},
    },
    "services": {
        "api": {"build": "app", "port": 8000, "depends_on": ["postgres", "redis", "aws"]},
        "worker": {"build": "app", "health_port": 8001, "depends_on": ["postgres"]},
        "migrate": {"build": "app", "one_shot": True, "depends_on": ["postgres"]},
    },
}


def env_with(**changes: Any) -> Environment:
    data = {**SMALL, **changes}
    return Environment.model_validate(data)


def test_without_rules_a_target_admits_what_talks_to_it_on_every_port() -> None:
    table = admissions(env_with())
    assert table["postgres"] == {"api": None, "migrate": None, "worker": None}
    assert table["redis"] == {"api": None}
    assert table["migrate"] == {}, "a one-shot listens on nothing: ordering, not a connection"


def test_a_rule_names_sources_and_ports_and_two_rules_for_one_source_add_up() -> None:
    components = {
        **SMALL["components"],
        "redis": {"allow_from": [{"from": "api", "ports": [6379]}, {"from": "api"}]},
        "postgres": {
            "password": {"secret": "pg"},
            "allow_from": [{"from": "app", "ports": [5432]}],
        },
    }
    table = admissions(env_with(components=components))
    assert table["redis"] == {"api": None}
    assert table["postgres"] == {"api": (5432,), "migrate": (5432,), "worker": (5432,)}
    assert admits(table, "api", "postgres", 5432)
    assert not admits(table, "api", "postgres", 5433)
    assert not admits(table, "aws", "postgres", 5432)


def test_a_zone_rule_admits_only_members_whose_egress_lets_them() -> None:
    zones = {"app": {"egress": ["data"]}, "data": {"internal": True}, "ops": {}}
    services = {**SMALL["services"], "api": {**SMALL["services"]["api"], "depends_on": []}}
    components = {**SMALL["components"], "aws": {"zone": "ops", "allow_from": [{"from": "app"}]}}
    table = admissions(env_with(zones=zones, services=services, components=components))
    assert table["aws"] == {}


def test_the_reference_stores_admit_only_the_apps_own_containers() -> None:
    prod = admissions(load_environment("prod", environ={}))
    assert prod["postgres"] == {
        "api": (5432,),
        "migrate": (5432,),
        "postgres-exporter": (5432,),
        "worker": (5432,),
    }
    assert prod["redis"] == {"api": (6379,), "worker": (6379,)}
    assert prod["nats"] == {"api": (4222,), "worker": (4222,)}
    assert prod["api"] == {"ingress": None, "prometheus": None}
