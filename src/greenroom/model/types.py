"""The typed environment model: what envs/*.yaml can say. Data only; loading lives elsewhere."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

from greenroom.model.forms import (
    BuildContext,
    CpuShare,
    DockerfilePath,
    EnvName,
    ImageRef,
    MemorySize,
    StageName,
    check_build_context,
)

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
    """A trust boundary (public edge, private app, data, ops): a source or limit of reach rules."""

    description: str = ""
    internal: bool = False
    """No route out of the zone (the data zone of a replica)."""
    egress: list[Name] | None = None
    """The only services, components or zones its members may open connections to; `[]`: none.
    Left out: whatever its members talk to."""


Port = Annotated[int, Field(ge=1, le=65535)]


class AllowRule(Spec):
    """One inbound rule, as a security group states it: `{from: api, ports: [5432]}`."""

    source: Name = Field(alias="from")
    """A service, a component, or a zone (each of its members)."""
    ports: list[Port] = Field(default_factory=list)
    """Ports it may connect to; left out: every port the target listens on."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


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

    kind: str
    """Which registered component kind this entry is (`greenroom.components`)."""
    zone: Name = "data"
    version: Text | None = None
    resources: Resources | None = None
    allow_from: list[AllowRule] | None = None
    """Who may connect to it, and on which ports; left out: what depends on or talks to it."""


# --- app services ---------------------------------------------------------------------------


class Resources(Spec):
    """Limits Compose passes to the engine as `deploy.resources.limits`."""

    cpus: CpuShare | None = None
    memory: MemorySize | None = None


class BuildSpec(Spec):
    """How to build a service's image from any Dockerfile: `build: {context: web, target: prod}`."""

    context: BuildContext
    """The folder sent to the builder, relative to the project root."""
    dockerfile: DockerfilePath = "Dockerfile"
    """The Dockerfile, relative to the context."""
    target: StageName | None = None
    """The stage to build (`FROM ... AS <target>`); the last stage when left out."""
    args: dict[EnvName, Text] = Field(default_factory=dict)
    """Build arguments (`ARG` name -> value). They are recorded in the image's history, so never
    put a secret here."""

    def __hash__(self) -> int:
        """Hashable like the folder form, so either form can key the map of built images."""
        return hash((self.context, self.dockerfile, self.target, tuple(sorted(self.args.items()))))


def _build_form(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A folder stays a folder; a mapping is a BuildSpec, its errors at its own keys."""
    if value is None or isinstance(value, BuildSpec):
        return value
    if isinstance(value, str):
        return check_build_context(value)
    if isinstance(value, dict):
        return BuildSpec.model_validate(value)
    raise ValueError(
        "expected a folder (build: app) or a mapping (build: {context: app, dockerfile: "
        "Dockerfile, target: prod, args: {NAME: value}})"
    )


Build = Annotated[BuildContext | BuildSpec, WrapValidator(_build_form)]
"""`build: <folder>` or `build: {context, dockerfile, target, args}`."""


class Service(Spec):
    """One of the team's own app containers."""

    build: Build | None = None
    """A folder of the project with a Dockerfile, or `{context, dockerfile, target, args}`; or
    give ``image``."""
    image: ImageRef | None = None
    command: list[str] = Field(default_factory=list)
    replicas: int = Field(default=1, ge=0, le=20)
    port: int | None = Field(default=None, ge=1, le=65535)
    health: str | None = Field(default="/healthz", pattern=r"^/")
    health_port: int | None = Field(default=None, ge=1, le=65535)
    metrics: str | None = Field(default=None, pattern=r"^/")
    """Path of its Prometheus metrics (`/metrics`); a Prometheus of the environment scrapes it."""
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Port of the metrics path when it is not the health port (or the service's port)."""
    zone: Name = "app"
    allow_from: list[AllowRule] | None = None
    """Who may connect to it, and on which ports; left out: what depends on or talks to it."""
    env: dict[EnvName, Text] = Field(default_factory=dict)
    secrets: dict[EnvName, Name] = Field(default_factory=dict)
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


DAY = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
ChangeWindow = Annotated[
    str,
    Field(
        pattern=rf"^{DAY}(-{DAY})? ([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$",
        examples=["Mon-Fri 09:00-17:00", "Sat 06:00-08:00"],
    ),
]
"""Days (a range, or one) and a time span in UTC."""


class ReleaseTarget(Spec):
    """Where a promotion lands in AWS; each name defaults from the project and environment."""

    region: str | None = None
    """Default: the aws component's region."""
    endpoint_url: str | None = None
    """An AWS-compatible endpoint for every client; default: AWS itself (or AWS_ENDPOINT_URL)."""
    registry: str | None = None
    """The registry URL pushes go to; default: the endpoint ECR's token names."""
    repository_prefix: str | None = None
    """ECR repositories are `<prefix>/<service>`; default: the project."""
    cluster: str | None = None
    """ECS cluster; services are `<cluster>-<service>` (canary: `-canary`). Default:
    `<project>-<env>`."""
    load_balancer: str | None = None
    """The ALB whose weighted target groups carry a canary; default: the cluster's name."""
    bucket: str | None = None
    """S3 bucket holding the release history and lock; default: `<project>-<env>-releases`."""
    execution_role: str | None = None
    """Task execution role ARN (reads the secrets, pulls the images)."""


class Promotion(Spec):
    """Which git refs may deploy here and what evidence they need."""

    branches: list[str] = Field(default_factory=list)
    """Branch patterns (fnmatch): `develop`, `release/*`."""
    tags: str | None = None
    """Tag pattern for releases, e.g. `v*.*.*`."""
    signed_tags: bool = False
    allowed_signers: str | None = None
    """SSH allowed-signers file of the release signers, relative to the project root."""
    signers: list[str] = Field(default_factory=list)
    """Principals that may sign a release (default: anyone in ``allowed_signers``)."""
    gpg_min_trust: Literal["marginal", "fully", "ultimate"] | None = None
    """For GPG-signed tags: the trust a signing key needs (`gpg.minTrustLevel`)."""
    from_env: Name | None = Field(default=None, alias="from")
    requires: list[str] = Field(default_factory=list)
    """Suites that must have passed for the digest (smoke, contract, replay)."""
    approval: bool = False
    """A release engineer confirms with `--approve` (recorded with who and when)."""
    windows: list[ChangeWindow] = Field(default_factory=list)
    """When a promotion may start, in UTC (`Mon-Thu 09:00-16:00`); any time when empty."""
    target: ReleaseTarget = Field(default_factory=ReleaseTarget)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Rollout(Spec):
    strategy: Literal["rolling", "canary"] = "rolling"
    """`canary`: services behind the load balancer take traffic in `steps`, judged against `slo`."""
    canary_percent: Percent = 10
    """The canary's first share of the traffic: the first of `steps` (which default to it, then
    50 and 100)."""
    steps: list[Percent] = Field(default_factory=lambda: [10.0, 50.0, 100.0])
    """The canary's shares of the traffic, one bake and one judgement each, rising to 100."""
    bake_time: Duration = "5m"
    auto_rollback: bool = True
    """Off: a canary that breaches its SLO halts at that step, traffic held, for a person to
    roll back (`inv rollback ENV`) or promote a fix."""
    alarms: list[str] = Field(default_factory=list)
    """CloudWatch alarms that roll an ECS deployment back when they fire (with the circuit
    breaker, which rolls back tasks that fail to start)."""

    @model_validator(mode="before")
    @classmethod
    def _one_from_the_other(cls, data: Any) -> Any:
        """Steps default to the canary's share, then 50 and 100; the share to the first step."""
        if not isinstance(data, dict):
            return data
        share, steps = data.get("canary_percent"), data.get("steps")
        if steps is None and isinstance(share, int | float) and not isinstance(share, bool):
            return {**data, "steps": [share, *(s for s in (50, 100) if s > share)]}
        if share is None and isinstance(steps, list) and steps:
            return {**data, "canary_percent": steps[0]}
        return data

    @model_validator(mode="after")
    def _steps_rise_from_the_canary_to_all(self) -> Rollout:
        shown = ", ".join(f"{s:g}" for s in self.steps)
        if not self.steps or self.steps[-1] != 100 or sorted(set(self.steps)) != self.steps:
            raise ValueError(f"steps [{shown}] must rise, each above the last, to 100")
        if self.steps[0] != self.canary_percent:
            raise ValueError(
                f"canary_percent {self.canary_percent:g} is not the first of steps [{shown}]: "
                "the canary starts at its first step (set one of them, or both alike)"
            )
        return self


class Slo(Spec):
    error_rate_percent: Percent = 1
    window: Duration = "5m"
    latency_p99_ms: int | None = Field(default=None, ge=1)


class SuiteSpec(Spec):
    """A suite's own tests: the team's folder, run after the checks greenroom gives every kind."""

    path: str | None = None
    """Folder of pytest files, relative to the project root (default: `tests/<suite>`)."""


Compatibility = Literal[
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
    "NONE",
]
"""Schema Registry compatibility modes: which earlier versions a new schema must stay readable by
or able to read."""


class EventContract(Spec):
    """The JSON Schema of one message type, declared on the stream or topic it travels on."""

    subject: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]
    """A NATS subject (no wildcards), or the message type an SNS topic or SQS queue carries."""
    schema_path: str | None = Field(default=None, alias="schema")
    """The schema file, relative to the project root (default `contracts/events/<subject>.json`)."""
    compatibility: Compatibility = "FULL"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def path(self) -> str:
        return self.schema_path or f"contracts/events/{self.subject}.json"


Severity = Literal["error", "warning", "off"]

EXPAND_CONTRACT_RULES: dict[str, Severity] = {
    "adding-field-with-default": "error",
    "adding-not-nullable-field": "error",
    "adding-required-field": "error",
    "ban-drop-column": "error",
    "ban-drop-table": "error",
    "changing-column-type": "error",
    "renaming-column": "error",
    "renaming-table": "error",
    "require-concurrent-index-creation": "error",
}
"""squawk rules that break the running release during an expand/contract rollout."""


class MigrationLint(Spec):
    """Migration files linted with squawk; each rule's severity, the rest at ``default``."""

    path: str
    """The folder of `*.sql` migrations, relative to the project root."""
    rules: dict[Annotated[str, Field(pattern=r"^[a-z][a-z-]*$")], Severity] = Field(
        default_factory=dict
    )
    """Rule -> severity, over the expand/contract defaults (`ban-drop-column: error`...)."""
    default: Severity = "warning"
    pg_version: Text | None = None
    """The Postgres version the rules assume (squawk's `--pg-version`, e.g. "17")."""
    transactional: bool = False
    """Each file runs in one transaction (squawk's `--assume-in-transaction`)."""

    def severity(self, rule: str) -> Severity:
        return self.rules.get(rule, EXPAND_CONTRACT_RULES.get(rule, self.default))


class Contracts(Spec):
    """What the contract suite holds a build to, besides the event schemas on streams and topics."""

    openapi: str | None = None
    """The API's OpenAPI document (JSON or YAML), relative to the project root."""
    migrations: MigrationLint | None = None
    releases: str = "v*"
    """Git tags (fnmatch) of promoted releases: every version they carried is a baseline."""


class ReplayState(Spec):
    """What a replay's state digest covers; the rest of the replica is not compared."""

    tables: dict[Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_.]*$")], list[str]] = Field(
        default_factory=dict
    )
    """Postgres table -> its columns left out of the digest (times of day, generated ids)."""
    prefixes: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]+/")]] = Field(
        default_factory=list
    )
    """`bucket/prefix/`: the keys and bodies of every object under it."""
    queues: list[str] = Field(default_factory=list)
    """SQS queues whose message bodies are compared (the digest drains them)."""


class ReplaySpec(Spec):
    """The replay suite: a recorded stream replayed into the replica, its outcome compared."""

    file: str | None = None
    """The replay file (`inv replay record`), relative to the project root."""
    stream: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    """The JetStream stream it is replayed into (default: the one it was recorded from)."""
    consumers: list[Name] = Field(default_factory=list)
    """Services consuming the stream: stopped to pause them, started again to resume."""
    state: ReplayState = Field(default_factory=ReplayState)
    speed: float = Field(default=0, ge=0)
    """0: publish at once; else the recorded timing, `speed` times as fast."""
    deadline: int = Field(default=120, ge=1)
    """Seconds the app may take to drain a replay before the suite says what is left."""


class Backup(Spec):
    schedule: Literal["none", "hourly", "daily", "weekly"] = "none"
    retention_days: int = Field(default=7, ge=1)
    wal_archive: bool = False
    restore_drill: Literal["none", "weekly", "monthly", "quarterly"] = "none"


ComponentBase.model_rebuild()
