"""The typed environment model: what envs/*.yaml can say. Data only; loading lives elsewhere."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

NAME = r"^[a-z][a-z0-9-]*$"
Name = Annotated[str, Field(pattern=NAME, max_length=63)]
"""A DNS-label-like name: services, zones, secrets, queues... (lowercase, digits, dashes)."""

_DURATION = re.compile(r"^(\d+)(s|m|h|d)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """'30s', '5m', '2h', '14d' -> seconds."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30s, 5m, 2h or 14d")
    return int(match.group(1)) * _UNITS[match.group(2)]


def _as_text(value: Any) -> Any:
    """Whole numbers read as text (`version: 17`); floats and booleans must be quoted."""
    if isinstance(value, bool):
        raise ValueError(f'YAML reads this as the boolean {str(value).lower()}; quote it: "..."')
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise ValueError(f"YAML reads this as the number {value!r}; quote it to keep it exact")
    return value


Text = Annotated[str, BeforeValidator(_as_text)]
"""A string that may be written as a bare whole number: versions, environment values."""

Duration = Annotated[str, Field(pattern=_DURATION.pattern, examples=["30s", "5m", "14d"])]
Percent = Annotated[float, Field(ge=0, le=100)]


class Spec(BaseModel):
    """Base of every model node: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- secrets -----------------------------------------------------------------------------------


class SecretSource(Spec):
    """Where a secret's value comes from. The model only ever holds this reference, never the value.

    ``generate``: a throwaway random value (dev replicas); ``env``: a variable of the caller's
    environment; ``file``: a file outside the repo; ``aws``: an SSM/Secrets Manager id (real
    targets).
    """

    generate: bool = False
    env: str | None = None
    file: str | None = None
    aws: str | None = None
    length: int = Field(default=24, ge=12, le=128)

    @model_validator(mode="after")
    def _one_source(self) -> SecretSource:
        given = [k for k in ("env", "file", "aws") if getattr(self, k)] + (
            ["generate"] if self.generate else []
        )
        if len(given) != 1:
            raise ValueError(
                "a secret needs exactly one source: generate: true, env: VAR, file: PATH or aws: ID"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class SecretRef(Spec):
    """A reference to a declared secret, written `{secret: name}` where a value is sensitive."""

    secret: Name


# --- zones and exposure --------------------------------------------------------------------------


class Zone(Spec):
    """A network trust boundary (public edge, private app, data, ops). Becomes a Compose network."""

    description: str = ""
    internal: bool = False
    """No route out of the zone (the data zone of a replica)."""


class Exposure(Spec):
    """Which services publish host ports on a replica: everything (dev), the front door, or none."""

    publish: Literal["all", "listed", "none"] = "listed"
    services: list[Name] = Field(default_factory=list)
    """With ``publish: listed``: the services (or components) whose ports reach the host."""
    port_base: int = Field(default=15000, ge=1024, le=60000)
    """Host ports are allocated deterministically from here, per environment. Keep the range below
    32768, where Linux starts handing out ephemeral ports to outgoing connections."""


# --- components -----------------------------------------------------------------------------------


class ComponentBase(Spec):
    """Fields every infrastructure component has."""

    zone: Name = "data"
    version: Text | None = None
    resources: Resources | None = None


class PostgresInit(Spec):
    database: Name
    owner: Name | None = None


class Postgres(ComponentBase):
    kind: Literal["postgres"] = "postgres"
    version: Text | None = "17"
    database: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")] = "app"
    user: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")] = "app"
    password: SecretRef
    read_replica: bool = False
    extra_databases: list[PostgresInit] = Field(default_factory=list)
    settings: dict[str, str] = Field(default_factory=dict)
    """postgresql.conf settings, passed as `-c key=value`."""


class Redis(ComponentBase):
    kind: Literal["redis"] = "redis"
    version: Text | None = "8.0"
    auth: bool = False
    password: SecretRef | None = None
    persistence: bool = False
    max_memory: str | None = None

    @model_validator(mode="after")
    def _auth_needs_password(self) -> Redis:
        if self.auth and self.password is None:
            raise ValueError("auth: true needs a password: {secret: <name>}")
        return self


class Consumer(Spec):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
    filter_subject: str | None = None
    ack_wait: Duration = "30s"
    max_deliver: int = Field(default=5, ge=1)
    deliver_policy: Literal["all", "new", "last"] = "all"


class Stream(Spec):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
    subjects: list[str] = Field(min_length=1)
    retention: Literal["limits", "workqueue", "interest"] = "limits"
    max_age: Duration | None = None
    replicas: int = Field(default=1, ge=1, le=5)
    duplicate_window: Duration = "2m"
    consumers: list[Consumer] = Field(default_factory=list)


class Nats(ComponentBase):
    kind: Literal["nats"] = "nats"
    version: Text | None = "2.10"
    streams: list[Stream] = Field(default_factory=list)
    auth: bool = False
    token: SecretRef | None = None


class LifecycleRule(Spec):
    prefix: str = ""
    expire_days: int = Field(ge=1)


class Bucket(Spec):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    versioning: bool = False
    lifecycle: list[LifecycleRule] = Field(default_factory=list)


class DeadLetter(Spec):
    queue: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+(\.fifo)?$")]
    max_receives: int = Field(default=5, ge=1, le=1000)


class Queue(Spec):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+(\.fifo)?$")]
    fifo: bool = False
    visibility_timeout: int = Field(default=30, ge=0, le=43200)
    retention: Duration = "4d"
    dead_letter: DeadLetter | None = None

    @model_validator(mode="after")
    def _fifo_suffix(self) -> Queue:
        if self.fifo != self.name.endswith(".fifo"):
            raise ValueError("a FIFO queue's name must end in .fifo, and only a FIFO queue's may")
        return self


class Subscription(Spec):
    name: Name
    queue: str
    raw: bool = True
    filter: dict[str, list[str]] | None = None


class Topic(Spec):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+(\.fifo)?$")]
    subscriptions: list[Subscription] = Field(default_factory=list)


class Parameter(Spec):
    """An SSM parameter: a plain value, or a SecureString whose value is a secret reference."""

    name: Annotated[str, Field(pattern=r"^/[A-Za-z0-9_./-]+$")]
    value: str | SecretRef
    type: Literal["String", "StringList", "SecureString"] = "String"

    @model_validator(mode="after")
    def _secure_needs_secret(self) -> Parameter:
        if (self.type == "SecureString") != isinstance(self.value, SecretRef):
            raise ValueError(
                "a SecureString's value must be {secret: <name>}, and only a SecureString's"
            )
        return self


class AwsSecret(Spec):
    """A Secrets Manager secret, its value taken from a declared secret."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9/_+=.@-]+$")]
    value: SecretRef


class Aws(ComponentBase):
    """AWS services: emulated on a replica (LocalStack or moto), real on stage/prod targets."""

    kind: Literal["aws"] = "aws"
    emulator: Literal["localstack", "moto"] = "localstack"
    region: str = "us-east-1"
    buckets: list[Bucket] = Field(default_factory=list)
    queues: list[Queue] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    parameters: list[Parameter] = Field(default_factory=list)
    secrets: list[AwsSecret] = Field(default_factory=list)
    log_groups: list[str] = Field(default_factory=list)
    """CloudWatch Logs groups to create."""


class Route(Spec):
    path: str = Field(default="/", pattern=r"^/")
    service: Name


class Ingress(ComponentBase):
    """The front door (nginx): routes paths to app services."""

    kind: Literal["ingress"] = "ingress"
    version: Text | None = "1.26"
    zone: Name = "edge"
    routes: list[Route] = Field(min_length=1)
    port: int = Field(default=8080, ge=1, le=65535)


Component = Annotated[Postgres | Redis | Nats | Aws | Ingress, Field(discriminator="kind")]
COMPONENT_KINDS = ("postgres", "redis", "nats", "aws", "ingress")


# --- app services ---------------------------------------------------------------------------


class Resources(Spec):
    cpus: float | None = Field(default=None, gt=0)
    memory: Annotated[str, Field(pattern=r"^\d+(k|m|g|K|M|G|Ki|Mi|Gi)?$")] | None = None


class Service(Spec):
    """One of the team's own app containers."""

    build: str | None = None
    """Build context (a folder of the repo with a Dockerfile); or give ``image``."""
    image: str | None = None
    command: list[str] = Field(default_factory=list)
    replicas: int = Field(default=1, ge=0, le=20)
    port: int | None = Field(default=None, ge=1, le=65535)
    health: str | None = Field(default="/healthz", pattern=r"^/")
    health_port: int | None = Field(default=None, ge=1, le=65535)
    zone: Name = "app"
    env: dict[str, Text] = Field(default_factory=dict)
    secrets: dict[str, Name] = Field(default_factory=dict)
    """Variable name -> declared secret; delivered as a file that `<VAR>_FILE` points at."""
    depends_on: list[Name] = Field(default_factory=list)
    resources: Resources | None = None
    one_shot: bool = False
    """Runs to completion before dependants start (migrations)."""

    @model_validator(mode="after")
    def _build_or_image(self) -> Service:
        if (self.build is None) == (self.image is None):
            raise ValueError("a service needs exactly one of build: <folder> or image: <ref>")
        return self


# --- release, rollout, SLOs, backup -------------------------------------------------------------


class Promotion(Spec):
    """Which git refs may deploy here and what evidence they need."""

    branches: list[str] = Field(default_factory=list)
    """Branch patterns (fnmatch): `develop`, `release/*`."""
    tags: str | None = None
    """Tag pattern for releases, e.g. `v*.*.*`."""
    signed_tags: bool = False
    from_env: Name | None = Field(default=None, alias="from")
    requires: list[str] = Field(default_factory=list)
    """Suites that must have passed for the digest (smoke, contract, replay)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Rollout(Spec):
    canary_percent: Percent = 10
    steps: list[Percent] = Field(default_factory=lambda: [10.0, 50.0, 100.0])
    bake_time: Duration = "5m"
    auto_rollback: bool = True


class Slo(Spec):
    error_rate_percent: Percent = 1
    window: Duration = "5m"
    latency_p99_ms: int | None = Field(default=None, ge=1)


class Backup(Spec):
    schedule: Literal["none", "hourly", "daily", "weekly"] = "none"
    retention_days: int = Field(default=7, ge=1)
    wal_archive: bool = False
    restore_drill: Literal["none", "weekly", "monthly", "quarterly"] = "none"


# --- the environment ------------------------------------------------------------------------


class Environment(Spec):
    """The effective, validated description of one environment (base + env file + overrides)."""

    name: Name
    project: Name
    description: str = ""
    zones: dict[Name, Zone]
    exposure: Exposure = Field(default_factory=Exposure)
    components: dict[Name, Component] = Field(default_factory=dict)
    services: dict[Name, Service] = Field(default_factory=dict)
    secrets: dict[Name, SecretSource] = Field(default_factory=dict)
    domains: list[str] = Field(default_factory=list)
    promotion: Promotion = Field(default_factory=Promotion)
    rollout: Rollout = Field(default_factory=Rollout)
    slo: Slo = Field(default_factory=Slo)
    backup: Backup = Field(default_factory=Backup)
    intended_differences: list[str] = Field(default_factory=list)
    """Dotted key paths whose differences from other environments are by design (`inv diff`)."""

    @field_validator("components", mode="before")
    @classmethod
    def _kind_from_key(cls, value: Any) -> Any:
        """`components: {redis: {...}}` means kind redis unless `kind:` says otherwise."""
        if isinstance(value, dict):
            return {
                key: (
                    {"kind": key, **spec} if isinstance(spec, dict) and "kind" not in spec else spec
                )
                for key, spec in value.items()
            }
        return value

    def component(self, kind: str) -> Any | None:
        """The first component of ``kind``, or None."""
        return next((c for c in self.components.values() if c.kind == kind), None)


ComponentBase.model_rebuild()
for _model in (Postgres, Redis, Nats, Aws, Ingress, Environment):
    _model.model_rebuild()
