"""Where a suite points: endpoints, credentials and resource names, from a replica or variables.

The same suite runs against a local replica (endpoints from its host ports, secrets from its secret
files) or a deployed environment (``--target environ``: endpoints and credentials from
``GREENROOM_*`` variables, resource names from the environment's model). See
``greenroom.suites.smoke`` for the variables.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from pydantic import SecretStr

from greenroom.components.aws.spec import Aws
from greenroom.components.ingress import Ingress
from greenroom.components.nats.spec import Nats
from greenroom.components.postgres.spec import Postgres
from greenroom.components.redis import Redis
from greenroom.errors import ConfigError, SuiteError
from greenroom.model.environment import Environment
from greenroom.runtime.probes import Access, ProbeFailed, aws_endpoint

TargetKind = Literal["replica", "environ"]
TARGETS: tuple[TargetKind, ...] = ("replica", "environ")
PREFIX = "GREENROOM_"


@dataclass(frozen=True)
class PostgresTarget:
    host: str
    port: int
    user: str
    database: str
    password: SecretStr


@dataclass(frozen=True)
class RedisTarget:
    host: str
    port: int
    password: SecretStr | None
    auth: bool
    """Whether the environment requires a password (so a client without one must be refused)."""
    db: int = 0
    tls: bool = False

    @property
    def url(self) -> str:
        """The URL without credentials, fit for a log line."""
        return f"{'rediss' if self.tls else 'redis'}://{self.host}:{self.port}/{self.db}"


@dataclass(frozen=True)
class NatsTarget:
    url: str
    token: SecretStr | None
    auth: bool
    stream: str
    subject: str
    durable: str


@dataclass(frozen=True)
class AwsTargetSpec:
    region: str
    endpoint_url: str | None
    """None means real AWS, with the caller's own credentials."""
    bucket: str
    topic: str
    queues: tuple[str, ...]
    """The SQS queues subscribed to ``topic``: each must receive the announcement."""
    emulator: str | None = None


@dataclass(frozen=True)
class Target:
    """Everything the smoke suite needs to reach one environment; secrets stay SecretStr."""

    env: str
    kind: TargetKind
    api_url: str
    digest: str
    postgres: PostgresTarget | None = None
    redis: RedisTarget | None = None
    nats: NatsTarget | None = None
    aws: AwsTargetSpec | None = None
    images: Mapping[str, str] = field(default_factory=dict)
    """Build context -> image ID of the app images (replicas only)."""

    def components(self) -> tuple[str, ...]:
        """The component kinds this target has, in a stable order."""
        present = {
            "postgres": self.postgres,
            "redis": self.redis,
            "nats": self.nats,
            "aws": self.aws,
        }
        return tuple(k for k, v in present.items() if v is not None)


def combined_digest(images: Mapping[str, str]) -> str:
    """One digest for the app images: the image's own when there is one, else a hash over all."""
    if not images:
        return ""
    if len(images) == 1:
        return next(iter(images.values()))
    text = "\n".join(f"{k}={v}" for k, v in sorted(images.items()))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class AppNames:
    """The names the app's services are configured with (stream, bucket, topic...)."""

    stream: str
    subject: str
    durable: str
    bucket: str
    topic: str


def app_names(env: Environment) -> AppNames:
    """Resource names from the services' environment, falling back to the first declared ones."""
    service_env: dict[str, str] = {}
    for service in env.services.values():
        service_env = {**service.env, **service_env}
    nats = env.component("nats")
    aws = env.component("aws")
    stream = nats.streams[0] if isinstance(nats, Nats) and nats.streams else None
    consumer = stream.consumers[0] if stream and stream.consumers else None
    return AppNames(
        stream=service_env.get("NATS_STREAM") or (stream.name if stream else ""),
        subject=service_env.get("NATS_SUBJECT")
        or (consumer.filter_subject if consumer and consumer.filter_subject else "")
        or (stream.subjects[0] if stream else ""),
        durable=service_env.get("NATS_DURABLE") or (consumer.name if consumer else ""),
        bucket=service_env.get("RECEIPTS_BUCKET")
        or (aws.buckets[0].name if isinstance(aws, Aws) and aws.buckets else ""),
        topic=service_env.get("ORDER_EVENTS_TOPIC")
        or (aws.topics[0].name if isinstance(aws, Aws) and aws.topics else ""),
    )


def subscribed_queues(spec: Aws, topic: str) -> tuple[str, ...]:
    for candidate in spec.topics:
        if candidate.name == topic:
            return tuple(s.queue for s in candidate.subscriptions)
    return ()


def _api_url(env: Environment, access: Access) -> str:
    """The front door: an ingress routing ``/``, else the `api` service, else any with a port."""
    for name, spec in env.components.items():
        if isinstance(spec, Ingress) and any(r.path == "/" for r in spec.routes):
            return f"http://{access.host}:{access.port(name, spec.port)}"
    candidates = [("api", env.services["api"])] if "api" in env.services else []
    candidates += sorted(env.services.items())
    for name, service in candidates:
        if service.port and not service.one_shot and service.replicas:
            return f"http://{access.host}:{access.port(name, service.port)}"
    return ""


def target_from_replica(env_name: str, overrides: Sequence[str] = ()) -> Target:
    """The target of a running local replica of ``env_name`` (brought up by `inv up`)."""
    from greenroom.runtime import Replica

    replica = Replica.open(env_name, overrides)
    state = replica.load_state()
    if not state:
        raise SuiteError(
            f"the {env_name} replica is not up (no state in {replica.state_file})",
            hint=f"bring it up first: `inv up {env_name}`",
        )
    return replica_target(replica.env, replica.access(), dict(state.get("app_images") or {}))


def replica_target(env: Environment, access: Access, images: Mapping[str, str]) -> Target:
    """A replica's target from its model, host ports and secrets (no I/O)."""
    try:
        return _replica_target(env, access, images)
    except ProbeFailed as exc:
        raise SuiteError(
            f"the {env.name} replica does not publish what the suite needs: {exc}",
            hint=f"re-create it with `inv up {env.name}`",
        ) from None


def _replica_target(env: Environment, access: Access, images: Mapping[str, str]) -> Target:
    names = app_names(env)
    host = access.host
    pg = env.component("postgres")
    rd = env.component("redis")
    nt = env.component("nats")
    aw = env.component("aws")
    name_of = {spec.kind: name for name, spec in reversed(env.components.items())}
    return Target(
        env=env.name,
        kind="replica",
        api_url=_api_url(env, access),
        digest=combined_digest(images),
        images=dict(images),
        postgres=PostgresTarget(
            host=host,
            port=access.port(name_of["postgres"], 5432),
            user=pg.user,
            database=pg.database,
            password=access.secrets[pg.password.secret],
        )
        if isinstance(pg, Postgres)
        else None,
        redis=RedisTarget(
            host=host,
            port=access.port(name_of["redis"], 6379),
            password=access.secrets[rd.password.secret] if rd.auth and rd.password else None,
            auth=rd.auth,
        )
        if isinstance(rd, Redis)
        else None,
        nats=NatsTarget(
            url=f"nats://{host}:{access.port(name_of['nats'], 4222)}",
            token=access.secrets[nt.token.secret] if nt.auth and nt.token else None,
            auth=nt.auth,
            stream=names.stream,
            subject=names.subject,
            durable=names.durable,
        )
        if isinstance(nt, Nats)
        else None,
        aws=AwsTargetSpec(
            region=aw.region,
            endpoint_url=aws_endpoint(aw, name_of["aws"], access),
            bucket=names.bucket,
            topic=names.topic,
            queues=subscribed_queues(aw, names.topic),
            emulator=aw.emulator,
        )
        if isinstance(aw, Aws)
        else None,
    )


def _get(environ: Mapping[str, str], name: str) -> str:
    return environ.get(PREFIX + name, "").strip()


def _port(environ: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    raw = _get(environ, name)
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        problems.append(f"{PREFIX}{name}={raw!r} is not a port number")
        return default
    return int(raw)


def _redis_from_url(
    url: str, password: str, spec: Redis, problems: list[str]
) -> RedisTarget | None:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        problems.append(f"{PREFIX}REDIS_URL is not a redis:// or rediss:// URL with a host")
        return None
    secret = password or (parts.password or "")
    path = parts.path.strip("/")
    try:
        port = parts.port or 6379
    except ValueError:
        problems.append(f"{PREFIX}REDIS_URL has an invalid port")
        return None
    return RedisTarget(
        host=parts.hostname,
        port=port,
        password=SecretStr(secret) if secret else None,
        auth=spec.auth,
        db=int(path) if path.isdigit() else 0,
        tls=parts.scheme == "rediss",
    )


def target_from_environ(env: Environment, environ: Mapping[str, str]) -> Target:
    """A deployed environment's target: endpoints and credentials from ``GREENROOM_*`` variables.

    Every missing or malformed variable is named in one ConfigError.
    """
    problems: list[str] = []
    missing: list[str] = []

    def need(name: str) -> str:
        value = _get(environ, name)
        if not value:
            missing.append(PREFIX + name)
        return value

    names = app_names(env)
    api_url = need("API_URL").rstrip("/")
    digest = need("IMAGE_DIGEST")
    pg = env.component("postgres")
    postgres = None
    if isinstance(pg, Postgres):
        postgres = PostgresTarget(
            host=need("PGHOST"),
            port=_port(environ, "PGPORT", 5432, problems),
            user=_get(environ, "PGUSER") or pg.user,
            database=_get(environ, "PGDATABASE") or pg.database,
            password=SecretStr(need("PGPASSWORD")),
        )
    rd = env.component("redis")
    redis = None
    if isinstance(rd, Redis):
        url = need("REDIS_URL")
        redis = _redis_from_url(url, _get(environ, "REDIS_PASSWORD"), rd, problems) if url else None
        if redis and rd.auth and redis.password is None:
            problems.append(
                f"{env.name} requires a Redis password: put it in {PREFIX}REDIS_URL "
                f"(redis://:PASSWORD@host:port) or {PREFIX}REDIS_PASSWORD"
            )
    nt = env.component("nats")
    nats = None
    if isinstance(nt, Nats):
        token = _get(environ, "NATS_TOKEN")
        nats = NatsTarget(
            url=need("NATS_URL"),
            token=SecretStr(token) if token else None,
            auth=nt.auth,
            stream=names.stream,
            subject=names.subject,
            durable=names.durable,
        )
        if nt.auth and not token:
            missing.append(PREFIX + "NATS_TOKEN")
    aw = env.component("aws")
    aws = None
    if isinstance(aw, Aws):
        aws = AwsTargetSpec(
            region=_get(environ, "AWS_REGION") or aw.region,
            endpoint_url=_get(environ, "AWS_ENDPOINT_URL") or None,
            bucket=_get(environ, "RECEIPTS_BUCKET") or names.bucket,
            topic=names.topic,
            queues=subscribed_queues(aw, names.topic),
        )
    if api_url and urlsplit(api_url).scheme not in ("http", "https"):
        problems.append(f"{PREFIX}API_URL must start with http:// or https://")
    if missing or problems:
        lines = ([f"missing: {', '.join(missing)}"] if missing else []) + problems
        raise ConfigError(
            f"--target environ cannot reach {env.name}: " + "; ".join(lines),
            hint="set the GREENROOM_* variables listed in `greenroom.suites.smoke`'s docstring "
            "(or run against the local replica with --target replica)",
        )
    return Target(
        env=env.name,
        kind="environ",
        api_url=api_url,
        digest=digest,
        postgres=postgres,
        redis=redis,
        nats=nats,
        aws=aws,
    )


def resolve_target(
    env_name: str,
    kind: str = "replica",
    *,
    overrides: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Target:
    """The target of ``env_name`` by ``kind``: ``replica`` (default) or ``environ``."""
    import os

    if kind == "replica":
        return target_from_replica(env_name, overrides)
    if kind == "environ":
        from greenroom.model import load_environment

        env = load_environment(env_name, overrides=overrides)
        return target_from_environ(env, os.environ if environ is None else environ)
    raise ConfigError(
        f"unknown target {kind!r}", hint=f"use --target {' or --target '.join(TARGETS)}"
    )
