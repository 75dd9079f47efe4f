"""Settings parsing: required variables named, secret files winning, bad values refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from orders.config import Role, load_settings, read_secret, safe_url
from orders.errors import ConfigError

BASE = {
    "PGHOST": "postgres",
    "PGUSER": "orders",
    "PGDATABASE": "orders",
    "REDIS_URL": "redis://redis:6379/0",
    "NATS_URL": "nats://nats:4222",
    "RECEIPTS_BUCKET": "receipts",
    "ORDER_EVENTS_TOPIC": "order-events",
}


def test_worker_defaults() -> None:
    settings = load_settings(BASE, Role.WORKER)
    assert settings.postgres.port == 5432
    assert settings.nats is not None
    assert (settings.nats.stream, settings.nats.subject, settings.nats.durable) == (
        "ORDERS",
        "orders.created",
        "orders-worker",
    )
    assert settings.nats.create_missing is False
    assert settings.rate_limit_per_minute == 600
    assert (settings.port, settings.health_port) == (8000, 8001)


def test_missing_variables_are_all_named() -> None:
    env = {k: v for k, v in BASE.items() if k not in ("PGHOST", "NATS_URL", "RECEIPTS_BUCKET")}
    with pytest.raises(ConfigError) as info:
        load_settings(env, Role.WORKER)
    message = str(info.value)
    assert "PGHOST" in message and "NATS_URL" in message and "RECEIPTS_BUCKET" in message
    assert "role 'worker'" in message
    assert info.value.hint and "app/README.md" in info.value.hint
    assert info.value.exit_code == 2


def test_each_role_asks_only_for_what_it_uses() -> None:
    only_pg = {k: BASE[k] for k in ("PGHOST", "PGUSER", "PGDATABASE")}
    migrate = load_settings(only_pg, Role.MIGRATE)
    assert migrate.redis is None and migrate.nats is None and migrate.aws is None
    with pytest.raises(ConfigError, match="NATS_URL"):
        load_settings(only_pg, Role.RELAY)
    with pytest.raises(ConfigError, match="REDIS_URL, NATS_URL"):
        load_settings(only_pg, Role.API)


def test_secret_file_wins_over_variable(tmp_path: Path) -> None:
    secret = tmp_path / "pg"
    secret.write_text("from-file\n")
    env = {**BASE, "PGPASSWORD": "from-env", "PGPASSWORD_FILE": str(secret)}
    settings = load_settings(env, Role.MIGRATE)
    assert settings.postgres.password is not None
    assert settings.postgres.password.reveal() == "from-file"


def test_plain_variable_used_without_file() -> None:
    secret = read_secret({"REDIS_PASSWORD": "hunter2"}, "REDIS_PASSWORD")
    assert secret is not None and secret.reveal() == "hunter2"
    assert read_secret({}, "REDIS_PASSWORD") is None


def test_unreadable_secret_file_names_the_path_not_a_value(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    env = {**BASE, "PGPASSWORD": "from-env", "PGPASSWORD_FILE": str(missing)}
    with pytest.raises(ConfigError) as info:
        load_settings(env, Role.MIGRATE)
    assert str(missing) in str(info.value)
    assert "from-env" not in str(info.value)


def test_secret_repr_never_shows_the_value(tmp_path: Path) -> None:
    settings = load_settings({**BASE, "PGPASSWORD": "hunter2"}, Role.WORKER)
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.postgres)
    assert settings.secrets() == ["hunter2"]


def test_url_passwords_count_as_secrets_and_are_stripped_for_display() -> None:
    env = {**BASE, "REDIS_URL": "redis://:s3cret@redis:6379/0"}
    settings = load_settings(env, Role.API)
    assert "s3cret" in settings.secrets()
    assert safe_url("redis://:s3cret@redis:6379/0") == "redis://redis:6379/0"
    assert safe_url("nats://nats:4222") == "nats://nats:4222"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("PGPORT", "five", "PGPORT='five' is not an integer"),
        ("RATE_LIMIT_PER_MINUTE", "0", "RATE_LIMIT_PER_MINUTE=0 is out of range"),
        ("NATS_CREATE_STREAM", "maybe", "NATS_CREATE_STREAM='maybe' is not a boolean"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL='LOUD' is not a log level"),
    ],
)
def test_bad_values_are_named(key: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({**BASE, key: value}, Role.WORKER)
    assert info.value.message == expected
    assert info.value.hint


def test_config_keys_are_recorded_without_values() -> None:
    settings = load_settings({**BASE, "PGPASSWORD": "hunter2", "UNRELATED": "x"}, Role.WORKER)
    assert "PGPASSWORD" in settings.keys
    assert "UNRELATED" not in settings.keys
    assert "hunter2" not in " ".join(settings.keys)


def test_topic_region_and_create_flag() -> None:
    env = {**BASE, "AWS_DEFAULT_REGION": "eu-west-1", "NATS_CREATE_STREAM": "1"}
    settings = load_settings(env, Role.WORKER)
    assert settings.aws is not None and settings.aws.region == "eu-west-1"
    assert settings.nats is not None and settings.nats.create_missing is True
    assert load_settings({**env, "AWS_REGION": "us-east-2"}, Role.WORKER).aws.region == "us-east-2"  # type: ignore[union-attr]


def test_nats_token_from_file_is_a_secret(tmp_path: Path) -> None:
    token = tmp_path / "nats"
    token.write_text("t0ken\n")
    settings = load_settings({**BASE, "NATS_TOKEN_FILE": str(token)}, Role.RELAY)
    assert settings.nats is not None and settings.nats.token is not None
    assert settings.nats.token.reveal() == "t0ken"
    assert "t0ken" in settings.secrets()
    assert "t0ken" not in repr(settings)


def test_events_are_deduplicated_unless_turned_off() -> None:
    assert load_settings(BASE, Role.WORKER).deduplicate_events
    off = load_settings({**BASE, "DEDUPLICATE_EVENTS": "0"}, Role.WORKER)
    assert not off.deduplicate_events
