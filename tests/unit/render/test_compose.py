"""The rendered Compose project: networks, exposure, secrets, replicas, dependencies, stability."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from greenroom.errors import ConfigError
from greenroom.model.environment import Environment
from greenroom.render import render_project


def compose(env: Environment, ctx: Any) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(render_project(env, ctx).compose)
    return document


def host_ips(service: dict[str, Any]) -> set[str]:
    return {port["host_ip"] for port in service.get("ports", [])}


def test_each_target_gets_a_network_shared_only_with_what_may_reach_it(make_env, context):
    env = make_env()
    doc = compose(env, context(env))
    services = doc["services"]
    assert doc["networks"]["to-postgres"] == {"internal": True}
    assert doc["networks"]["to-api"] == {}
    assert services["postgres"]["networks"] == ["ops-postgres", "to-postgres"]
    assert services["redis"]["networks"] == ["ops-redis", "to-redis"]
    assert services["api"]["networks"] == ["to-api", "to-aws", "to-nats", "to-postgres", "to-redis"]
    assert services["ingress"]["networks"] == ["to-api"]
    assert services["migrate"]["networks"] == ["to-postgres"]
    stores = {"postgres", "redis", "nats"}
    for store in stores:
        others = {n for s in stores - {store} for n in services[s]["networks"]}
        assert not set(services[store]["networks"]) & others, store


def test_an_internal_store_publishes_through_its_own_network_without_nat(make_env, context):
    env = make_env(components={"postgres": {"read_replica": True}})
    doc = compose(env, context(env))
    assert doc["networks"]["ops-postgres"] == {
        "driver_opts": {"com.docker.network.bridge.enable_ip_masquerade": "false"}
    }
    assert doc["services"]["postgres-replica"]["networks"] == ["ops-postgres", "to-postgres"]
    assert "data" not in doc["networks"] and "ops" not in doc["networks"]


def test_allow_from_narrows_a_target_to_the_sources_it_names(make_env, context):
    env = make_env(components={"redis": {"allow_from": [{"from": "api", "ports": [6379]}]}})
    services = compose(env, context(env))["services"]
    assert "to-redis" in services["api"]["networks"]
    assert "to-redis" not in services["worker"]["networks"]


def test_a_zone_rule_admits_every_member_of_the_zone(make_env, context):
    env = make_env(components={"aws": {"allow_from": [{"from": "app"}]}})
    services = compose(env, context(env))["services"]
    assert {s for s, spec in services.items() if "to-aws" in spec["networks"]} == {
        "api",
        "aws",
        "migrate",
        "worker",
    }


def test_dev_publishes_every_port_on_all_interfaces(make_env, context):
    env = make_env(exposure={"publish": "all", "services": [], "port_base": 15000})
    doc = compose(env, context(env))
    published = {name: host_ips(svc) for name, svc in doc["services"].items() if "ports" in svc}
    assert set(published) == {"api", "aws", "ingress", "nats", "postgres", "redis", "worker"}
    assert all(ips == {"0.0.0.0"} for ips in published.values())
    assert "ports" not in doc["services"]["migrate"]


def test_stage_publishes_only_the_ingress_and_keeps_loopback_for_operators(make_env, context):
    env = make_env()
    doc = compose(env, context(env))
    services = doc["services"]
    assert host_ips(services["ingress"]) == {"0.0.0.0"}
    assert services["ingress"]["ports"] == [
        {"host_ip": "0.0.0.0", "protocol": "tcp", "published": "25080", "target": 8080}
    ]
    for name in ("postgres", "redis", "nats", "aws", "api", "worker"):
        assert host_ips(services[name]) == {"127.0.0.1"}, name
    assert services["postgres"]["ports"][0]["published"] == "25432"


def test_publish_none_leaves_only_operator_access(make_env, context):
    env = make_env(exposure={"publish": "none", "services": []})
    doc = compose(env, context(env))
    assert host_ips(doc["services"]["ingress"]) == {"127.0.0.1"}


def test_redis_auth_keeps_the_password_off_every_command_line(make_env, context):
    env = make_env(components={"redis": {"auth": True}})
    text = render_project(env, context(env)).compose
    redis = yaml.safe_load(text)["services"]["redis"]
    entrypoint = redis["entrypoint"]
    assert entrypoint[:2] == ["sh", "-c"]
    assert "printf 'requirepass %s\\n'" in entrypoint[2]
    assert '"$$(cat /run/secrets/redis-password)"' in entrypoint[2]
    assert "--requirepass" not in text
    assert redis["secrets"] == ["redis-password"]
    test = " ".join(redis["healthcheck"]["test"])
    assert 'REDISCLI_AUTH="$$(cat /run/secrets/redis-password)"' in test
    assert " -a " not in test
    api = yaml.safe_load(text)["services"]["api"]
    assert api["environment"]["REDIS_PASSWORD_FILE"] == "/run/secrets/redis-password"
    assert yaml.safe_load(text)["secrets"]["redis-password"] == {
        "environment": "GREENROOM_SECRET_REDIS_PASSWORD"
    }


def test_redis_without_auth_has_no_password_anywhere(make_env, context):
    env = make_env()
    doc = compose(env, context(env))
    assert doc["services"]["redis"]["command"][0] == "redis-server"
    assert "REDIS_PASSWORD_FILE" not in doc["services"]["worker"]["environment"]
    assert "redis-password" not in doc.get("secrets", {})


def test_read_replica_adds_a_streaming_second_postgres(make_env, context):
    env = make_env(components={"postgres": {"read_replica": True, "settings": {"work_mem": "8MB"}}})
    project = render_project(env, context(env))
    services = yaml.safe_load(project.compose)["services"]
    primary, replica = services["postgres"], services["postgres-replica"]
    assert "wal_level=replica" in primary["command"]
    assert "work_mem=8MB" in primary["command"] and "work_mem=8MB" in replica["command"]
    assert (
        "./postgres/init-replication.sh:/docker-entrypoint-initdb.d/10-replication.sh:ro"
        in primary["volumes"]
    )
    assert replica["entrypoint"] == ["sh", "/greenroom/replica.sh"]
    assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert replica["environment"]["REPLICATION_PASSWORD_FILE"] == "/run/secrets/pg-password"
    assert replica["volumes"][0] == "postgres-replica-data:/var/lib/postgresql/data"
    assert replica["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert {"postgres/init-replication.sh", "postgres/replica.sh"} <= set(project.files)
    script = project.files["postgres/replica.sh"]
    assert "pg_basebackup" in script and "standby.signal" in script
    assert "passfile=" in script


def test_no_replica_no_second_service(make_env, context):
    env = make_env()
    project = render_project(env, context(env))
    assert "postgres-replica" not in yaml.safe_load(project.compose)["services"]
    assert "postgres/replica.sh" not in project.files


def test_resources_and_replicas_become_deploy(make_env, context):
    env = make_env(
        services={"api": {"replicas": 3, "resources": {"cpus": 0.5, "memory": "256M"}}},
        components={"postgres": {"resources": {"memory": "1G"}}},
    )
    services = compose(env, context(env))["services"]
    assert services["api"]["deploy"] == {
        "replicas": 3,
        "resources": {"limits": {"cpus": "0.5", "memory": "256M"}},
    }
    assert services["postgres"]["deploy"] == {"resources": {"limits": {"memory": "1G"}}}
    ports = services["api"]["ports"]
    assert ports[0]["published"] == "25000-25002"


def test_one_shot_runs_to_completion_before_its_dependants(make_env, context):
    env = make_env()
    services = compose(env, context(env))["services"]
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    assert "healthcheck" not in migrate
    assert services["api"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert services["api"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["ingress"]["depends_on"] == {"api": {"condition": "service_healthy"}}


def test_a_one_shot_task_has_a_fixed_address_above_the_range_the_engine_hands_out(
    make_env, context
):
    env = make_env()
    unplaced = compose(env, context(env))
    assert unplaced["services"]["migrate"]["networks"] == ["to-postgres"]
    subnets = {name: f"10.9.{i}.0/24" for i, name in enumerate(sorted(unplaced["networks"]))}
    placed = compose(env, context(env, subnets=subnets))
    migrate, api = placed["services"]["migrate"], placed["services"]["api"]
    block = subnets["to-postgres"].rsplit(".", 1)[0]
    assert migrate["networks"] == {"to-postgres": {"ipv4_address": f"{block}.254"}}
    assert isinstance(api["networks"], list), "a long-running service takes what it is given"
    assert placed["networks"]["to-postgres"]["ipam"]["config"] == [
        {"subnet": subnets["to-postgres"], "ip_range": f"{block}.0/25"}
    ]


def test_an_override_adding_a_network_to_a_one_shot_task_keeps_its_fixed_address(make_env, context):
    env = make_env()
    names = sorted(compose(env, context(env))["networks"])
    subnets = {name: f"10.9.{i}.0/24" for i, name in enumerate(names)}
    override = "services:\n  migrate:\n    networks: [to-redis]\n"
    migrate = compose(env, context(env, subnets=subnets, compose_override=override))["services"][
        "migrate"
    ]
    block = subnets["to-postgres"].rsplit(".", 1)[0]
    assert migrate["networks"] == {
        "to-postgres": {"ipv4_address": f"{block}.254"},
        "to-redis": None,
    }


def test_app_services_get_connections_and_their_own_env_wins(make_env, context):
    env = make_env(services={"worker": {"env": {"NATS_SUBJECT": "orders.paid"}}})
    services = compose(env, context(env))["services"]
    worker = services["worker"]
    assert worker["image"] == "sha256:feedface"
    assert "build" not in worker
    assert worker["environment"] == {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": "http://aws:4566",
        "AWS_REGION": "us-east-1",
        "AWS_SECRET_ACCESS_KEY": "test",
        "HEALTH_PORT": "8001",
        "NATS_DURABLE": "orders-worker",
        "NATS_STREAM": "ORDERS",
        "NATS_SUBJECT": "orders.paid",
        "NATS_URL": "nats://nats:4222",
        "PGDATABASE": "shop",
        "PGHOST": "postgres",
        "PGPASSWORD_FILE": "/run/secrets/pg-password",
        "PGPORT": "5432",
        "PGUSER": "shop",
        "REDIS_URL": "redis://redis:6379/0",
    }
    assert worker["healthcheck"]["test"] == ["CMD", "curl", "-fsS", "http://127.0.0.1:8001/healthz"]
    api = services["api"]
    assert api["environment"]["PGPASSWORD_FILE"] == "/run/secrets/pg-password"
    assert api["secrets"] == ["pg-password"]


def test_dollar_signs_in_values_are_not_interpolated_by_compose(make_env, context):
    env = make_env(services={"api": {"env": {"GREETING": "costs $5"}}})
    text = render_project(env, context(env)).compose
    assert "GREETING: costs $$5" in text


def test_localstack_takes_its_token_from_the_callers_environment(make_env, context):
    env = make_env()
    aws = compose(env, context(env))["services"]["aws"]
    assert aws["environment"]["LOCALSTACK_AUTH_TOKEN"] == "${LOCALSTACK_AUTH_TOKEN:-}"
    assert aws["environment"]["SERVICES"] == "s3,sqs,sns"
    assert aws["image"] == "greenroom/localstack:4.14"


def test_every_service_has_labels_and_a_healthcheck_except_one_shots(make_env, context):
    env = make_env(components={"postgres": {"read_replica": True}})
    services = compose(env, context(env))["services"]
    for name, service in services.items():
        assert service["labels"]["dev.greenroom.env"] == "stage"
        assert service["labels"]["dev.greenroom.project"] == "shop"
        assert "dev.greenroom.component" in service["labels"]
        assert ("healthcheck" in service) == (name != "migrate"), name


def test_named_volumes_hold_the_data(make_env, context):
    env = make_env(components={"redis": {"persistence": True}})
    doc = compose(env, context(env))
    assert set(doc["volumes"]) == {"postgres-data", "nats-data", "redis-data"}


def test_rendering_is_byte_stable(make_env, context):
    env = make_env(components={"postgres": {"read_replica": True}, "redis": {"auth": True}})
    first = render_project(env, context(env)).files
    second = render_project(env, context(env)).files
    assert first == second


def test_insertion_order_does_not_change_the_bytes(make_env, context):
    env = make_env(components={"postgres": {"read_replica": True}})
    data = env.model_dump(by_alias=True)

    def reverse(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: reverse(value[k]) for k in reversed(list(value))}
        return value

    shuffled = Environment.model_validate(reverse(data))
    assert list(shuffled.components) != list(env.components)
    assert (
        render_project(shuffled, context(shuffled)).files == render_project(env, context(env)).files
    )


def test_secrets_are_named_by_variable_never_by_value_or_path(make_env, context):
    env = make_env(components={"redis": {"auth": True}})
    document = yaml.safe_load(render_project(env, context(env)).compose)
    assert document["secrets"] == {
        "pg-password": {"environment": "GREENROOM_SECRET_PG_PASSWORD"},
        "redis-password": {"environment": "GREENROOM_SECRET_REDIS_PASSWORD"},
    }


def test_the_override_is_merged_last(make_env, context):
    override = """
services:
  api:
    environment:
      LOG_LEVEL: DEBUG
    command: [api, --reload]
  redis:
    ports: !reset []
  ingress:
    volumes:
      - /srv/custom.conf:/etc/nginx/conf.d/default.conf:ro
"""
    env = make_env()
    services = compose(env, context(env, compose_override=override))["services"]
    assert services["api"]["environment"]["LOG_LEVEL"] == "DEBUG"
    assert services["api"]["environment"]["PGHOST"] == "postgres"
    assert services["api"]["command"] == ["api", "--reload"]
    assert "ports" not in services["redis"]
    assert services["ingress"]["volumes"] == ["/srv/custom.conf:/etc/nginx/conf.d/default.conf:ro"]


def test_a_broken_override_names_its_file(make_env, context):
    env = make_env()
    with pytest.raises(ConfigError, match=r"compose/stage.override.yaml is not valid YAML"):
        render_project(env, context(env, compose_override="services: [unclosed"))
