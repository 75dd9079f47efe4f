"""Settings come only from the environment and secret files, validated once at start-up."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from orders.errors import ConfigError


class Role(enum.StrEnum):
    """The subcommands of ``python -m orders``; each needs a different set of dependencies."""

    API = "api"
    WORKER = "worker"
    RELAY = "relay"
    MIGRATE = "migrate"


class Secret:
    """A value that must never reach a log, a repr or an exception message."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class PostgresSettings:
    host: str
    port: int
    user: str
    database: str
    password: Secret | None = None


@dataclass(frozen=True)
class RedisSettings:
    url: str
    password: Secret | None = None


@dataclass(frozen=True)
class NatsSettings:
    url: str
    stream: str = "ORDERS"
    subject: str = "orders.created"
    durable: str = "orders-worker"
    create_missing: bool = False
    token: Secret | None = None


@dataclass(frozen=True)
class AwsSettings:
    receipts_bucket: str
    order_events_topic: str
    region: str | None = None


@dataclass(frozen=True)
class Settings:
    """The effective configuration of one process; sub-settings a role does not need are None."""

    role: Role
    postgres: PostgresSettings
    redis: RedisSettings | None = None
    nats: NatsSettings | None = None
    aws: AwsSettings | None = None
    rate_limit_per_minute: int = 600
    order_cache_ttl: int = 10
    log_level: str = "INFO"
    port: int = 8000
    health_port: int = 8001
    startup_timeout: float = 60.0
    shutdown_timeout: float = 20.0
    deduplicate_events: bool = True
    """Off only to rehearse a consumer that is not idempotent (the replay suite must catch it)."""
    keys: tuple[str, ...] = field(default=())

    def secrets(self) -> list[str]:
        """Every secret value this process holds, so the log filter can mask it anywhere."""
        found = [
            self.postgres.password,
            self.redis.password if self.redis else None,
            self.nats.token if self.nats else None,
        ]
        values = [s.reveal() for s in found if s is not None and s.reveal()]
        urls = [self.redis.url if self.redis else "", self.nats.url if self.nats else ""]
        values += [p for p in (urlsplit(u).password for u in urls if u) if p]
        return values


def safe_url(url: str) -> str:
    """``url`` without its user-info, fit for a log line or an error message."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


NEEDS: dict[Role, frozenset[str]] = {
    Role.MIGRATE: frozenset({"postgres"}),
    Role.RELAY: frozenset({"postgres", "nats"}),
    Role.API: frozenset({"postgres", "redis", "nats"}),
    Role.WORKER: frozenset({"postgres", "redis", "nats", "aws"}),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "postgres": ("PGHOST", "PGUSER", "PGDATABASE"),
    "redis": ("REDIS_URL",),
    "nats": ("NATS_URL",),
    "aws": ("RECEIPTS_BUCKET", "ORDER_EVENTS_TOPIC"),
}

KNOWN_KEYS = (
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGPASSWORD",
    "PGPASSWORD_FILE",
    "REDIS_URL",
    "REDIS_PASSWORD",
    "REDIS_PASSWORD_FILE",
    "NATS_URL",
    "NATS_STREAM",
    "NATS_SUBJECT",
    "NATS_DURABLE",
    "NATS_CREATE_STREAM",
    "NATS_TOKEN",
    "NATS_TOKEN_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "RECEIPTS_BUCKET",
    "ORDER_EVENTS_TOPIC",
    "RATE_LIMIT_PER_MINUTE",
    "ORDER_CACHE_TTL",
    "LOG_LEVEL",
    "PORT",
    "HEALTH_PORT",
    "STARTUP_TIMEOUT",
    "SHUTDOWN_TIMEOUT",
    "MIGRATIONS_DIR",
    "FORWARDED_ALLOW_IPS",
    "DEDUPLICATE_EVENTS",
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def read_secret(env: Mapping[str, str], name: str) -> Secret | None:
    """``NAME_FILE`` (a mounted secret) wins over ``NAME``; absent both, there is no secret."""
    path = env.get(f"{name}_FILE", "").strip()
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"{name}_FILE={path} cannot be read: {exc.strerror or type(exc).__name__}",
                hint=f"mount the secret file at {path}, or unset {name}_FILE",
            ) from None
        return Secret(text.rstrip("\r\n"))
    value = env.get(name)
    return Secret(value) if value else None


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not an integer", hint=f"set {name} to a whole number"
        ) from None
    if not low <= value <= high:
        raise ConfigError(
            f"{name}={value} is out of range", hint=f"set {name} between {low} and {high}"
        )
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name}={raw!r} is not a boolean", hint=f"set {name} to 1 or 0")


def load_settings(env: Mapping[str, str], role: Role) -> Settings:
    """Validate the environment for ``role``, naming every missing variable in one error."""
    needs = NEEDS[role]
    missing = [
        key
        for part in ("postgres", "redis", "nats", "aws")
        if part in needs
        for key in REQUIRED[part]
        if not env.get(key, "").strip()
    ]
    if missing:
        raise ConfigError(
            f"missing required environment variables for role '{role}': {', '.join(missing)}",
            hint="set them in the service's environment (app/README.md lists every variable)",
        )
    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise ConfigError(
            f"LOG_LEVEL={level!r} is not a log level", hint=f"use one of {', '.join(LOG_LEVELS)}"
        )
    postgres = PostgresSettings(
        host=env["PGHOST"].strip(),
        port=_int(env, "PGPORT", 5432, low=1, high=65535),
        user=env["PGUSER"].strip(),
        database=env["PGDATABASE"].strip(),
        password=read_secret(env, "PGPASSWORD"),
    )
    redis = (
        RedisSettings(url=env["REDIS_URL"].strip(), password=read_secret(env, "REDIS_PASSWORD"))
        if "redis" in needs
        else None
    )
    nats = (
        NatsSettings(
            url=env["NATS_URL"].strip(),
            stream=env.get("NATS_STREAM", "").strip() or "ORDERS",
            subject=env.get("NATS_SUBJECT", "").strip() or "orders.created",
            durable=env.get("NATS_DURABLE", "").strip() or "orders-worker",
            create_missing=_flag(env, "NATS_CREATE_STREAM"),
            token=read_secret(env, "NATS_TOKEN"),
        )
        if "nats" in needs
        else None
    )
    aws = (
        AwsSettings(
            receipts_bucket=env["RECEIPTS_BUCKET"].strip(),
            order_events_topic=env["ORDER_EVENTS_TOPIC"].strip(),
            region=(env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "").strip() or None,
        )
        if "aws" in needs
        else None
    )
    return Settings(
        role=role,
        postgres=postgres,
        redis=redis,
        nats=nats,
        aws=aws,
        rate_limit_per_minute=_int(env, "RATE_LIMIT_PER_MINUTE", 600, low=1, high=10_000_000),
        order_cache_ttl=_int(env, "ORDER_CACHE_TTL", 10, low=1, high=86_400),
        log_level=level,
        port=_int(env, "PORT", 8000, low=1, high=65535),
        health_port=_int(env, "HEALTH_PORT", 8001, low=1, high=65535),
        startup_timeout=float(_int(env, "STARTUP_TIMEOUT", 60, low=1, high=3600)),
        shutdown_timeout=float(_int(env, "SHUTDOWN_TIMEOUT", 20, low=1, high=3600)),
        deduplicate_events=_flag(env, "DEDUPLICATE_EVENTS")
        if env.get("DEDUPLICATE_EVENTS", "").strip()
        else True,
        keys=tuple(sorted(k for k in KNOWN_KEYS if k in env)),
    )
