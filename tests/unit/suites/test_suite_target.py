"""Targets from variables: every problem named at once; names and auth from the model."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from greenroom.errors import ConfigError, SuiteError
from greenroom.model import load_environment
from greenroom.model.environment import Environment
from greenroom.runtime.probes import Access
from greenroom.suites.target import (
    combined_digest,
    replica_target,
    resolve_target,
    target_from_environ,
)

DIGEST = "sha256:" + "d" * 64
FULL = {
    "GREENROOM_API_URL": "https://api.shop.example.com/",
    "GREENROOM_IMAGE_DIGEST": DIGEST,
    "GREENROOM_PGHOST": "db.internal",
    "GREENROOM_PGPASSWORD": "pg-secret",
    "GREENROOM_REDIS_URL": "rediss://:redis-secret@cache.internal:6380/2",
    "GREENROOM_NATS_URL": "nats://bus.internal:4222",
}


def test_a_full_set_of_variables_makes_a_target() -> None:
    target = target_from_environ(load_environment("dev"), FULL)
    assert target.kind == "environ" and target.env == "dev" and target.digest == DIGEST
    assert target.api_url == "https://api.shop.example.com"
    pg, rd = target.connection("postgres"), target.connection("redis")
    assert pg and pg.host == "db.internal"
    assert (pg.port, pg.user, pg.database) == (5432, "shop", "shop")
    assert pg.password.get_secret_value() == "pg-secret"
    assert rd and rd.tls and rd.db == 2
    assert rd.url == "rediss://cache.internal:6380/2"
    assert rd.password and rd.password.get_secret_value() == "redis-secret"
    aws = target.connection("aws")
    assert aws and aws.endpoint_url is None
    assert set(aws.queues) >= {"order-events", "order-audit"}
    nats = target.connection("nats")
    assert nats and nats.url == "nats://bus.internal:4222" and nats.streams == ("ORDERS",)


def test_secrets_never_show_in_the_target_repr() -> None:
    target = target_from_environ(load_environment("dev"), FULL)
    text = repr(target)
    assert "pg-secret" not in text and "redis-secret" not in text


def test_every_missing_variable_is_named_in_one_error() -> None:
    with pytest.raises(ConfigError) as err:
        target_from_environ(load_environment("dev"), {"GREENROOM_PGPORT": "eighty"})
    message = str(err.value)
    for name in (
        "GREENROOM_API_URL",
        "GREENROOM_IMAGE_DIGEST",
        "GREENROOM_PGHOST",
        "GREENROOM_PGPASSWORD",
        "GREENROOM_REDIS_URL",
        "GREENROOM_NATS_URL",
    ):
        assert name in message
    assert "GREENROOM_PGPORT='eighty' is not a port number" in message
    assert err.value.hint and err.value.exit_code == 2


def test_prod_needs_a_redis_password_because_auth_is_on() -> None:
    env = load_environment("prod")
    variables = dict(FULL, GREENROOM_REDIS_URL="redis://cache.internal:6379/0")
    with pytest.raises(ConfigError, match="auth is on: put the Redis password"):
        target_from_environ(env, variables)
    target = target_from_environ(env, dict(variables, GREENROOM_REDIS_PASSWORD="pw"))
    rd = target.connection("redis")
    assert rd and rd.auth


def test_an_emulator_endpoint_and_region_come_from_variables() -> None:
    variables = dict(
        FULL, GREENROOM_AWS_ENDPOINT_URL="http://127.0.0.1:4566", GREENROOM_AWS_REGION="eu-west-1"
    )
    target = target_from_environ(load_environment("dev"), variables)
    aws = target.connection("aws")
    assert aws and aws.endpoint_url == "http://127.0.0.1:4566"
    assert aws.region == "eu-west-1"


def test_bad_urls_are_named() -> None:
    variables = dict(FULL, GREENROOM_API_URL="api.shop", GREENROOM_REDIS_URL="http://x")
    with pytest.raises(ConfigError) as err:
        target_from_environ(load_environment("dev"), variables)
    assert "GREENROOM_API_URL must start with http" in str(err.value)
    assert "GREENROOM_REDIS_URL is not a redis://" in str(err.value)


def test_an_unknown_target_kind_says_which_exist() -> None:
    with pytest.raises(ConfigError, match="unknown target 'cloud'") as err:
        resolve_target("dev", "cloud")
    assert err.value.hint and "environ" in err.value.hint


def test_one_image_is_its_own_digest_several_are_combined() -> None:
    assert combined_digest({}) == ""
    assert combined_digest({"app": DIGEST}) == DIGEST
    two = combined_digest({"app": DIGEST, "admin": "sha256:" + "e" * 64})
    assert two.startswith("sha256:") and two != DIGEST
    assert two == combined_digest({"admin": "sha256:" + "e" * 64, "app": DIGEST})


def _access(env_name: str) -> tuple[Environment, Access]:
    from greenroom.render.ports import allocate_ports

    env = load_environment(env_name)
    secrets = {name: SecretStr(f"value-of-{name}") for name in env.secrets}
    return env, Access(host_ports=allocate_ports(env), secrets=secrets)


def test_a_dev_replica_is_reached_on_its_host_ports() -> None:
    env, access = _access("dev")
    target = replica_target(env, access, {"app": DIGEST})
    assert target.kind == "replica" and target.digest == DIGEST
    assert target.api_url == f"http://127.0.0.1:{access.port('api', 8000)}"
    pg, rd, aws = (target.connection(k) for k in ("postgres", "redis", "aws"))
    assert pg and pg.port == access.port("postgres", 5432)
    assert rd and not rd.auth and rd.password is None
    assert aws and aws.endpoint_url == f"http://127.0.0.1:{access.port('aws', 4566)}"
    assert target.connections["api"].url == target.api_url
    assert "migrate" not in target.connections


def test_a_prod_replica_goes_through_its_ingress_with_redis_auth() -> None:
    env, access = _access("prod")
    target = replica_target(env, access, {"app": DIGEST})
    assert target.api_url == f"http://127.0.0.1:{access.port('ingress', 8080)}"
    rd = target.connection("redis")
    assert rd and rd.auth
    assert rd.password and rd.password.get_secret_value() == "value-of-redis-password"


def test_a_replica_missing_a_port_says_how_to_fix_it() -> None:
    env, access = _access("dev")
    partial = Access(
        host_ports={k: v for k, v in access.host_ports.items() if k != "nats"},
        secrets=access.secrets,
    )
    with pytest.raises(SuiteError, match="nats:4222 has no host port") as err:
        replica_target(env, partial, {"app": DIGEST})
    assert err.value.hint and "inv up dev" in err.value.hint


def test_a_deployed_set_of_images_is_the_ledger_key() -> None:
    variables = {k: v for k, v in FULL.items() if k != "GREENROOM_IMAGE_DIGEST"}
    images = f"api={DIGEST},worker=sha256:{'e' * 64}"
    target = target_from_environ(load_environment("dev"), dict(variables, GREENROOM_IMAGES=images))
    assert target.images == {"api": DIGEST, "worker": "sha256:" + "e" * 64}
    assert target.digest == combined_digest(target.images)


def test_an_image_of_no_service_is_named() -> None:
    with pytest.raises(ConfigError, match="GREENROOM_IMAGES item 'shop=sha256:1'"):
        target_from_environ(load_environment("dev"), dict(FULL, GREENROOM_IMAGES="shop=sha256:1"))
