"""What an environment says about AWS: buckets, queues, topics, parameters, secrets, log groups
and the Lambda functions that run on their triggers."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from greenroom.components.aws.emulators import names
from greenroom.components.aws.functions.schedule import parse as parse_schedule
from greenroom.model.forms import BuildContext, EnvName
from greenroom.model.types import (
    ComponentBase,
    Duration,
    EventContract,
    Name,
    SecretRef,
    Spec,
    Text,
)

StorageClass = Literal[
    "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"
]


class Transition(Spec):
    """Move objects to a cheaper storage class ``days`` after they are written."""

    days: int = Field(ge=0)
    storage_class: StorageClass


class LifecycleRule(Spec):
    """What S3 does with the objects under ``prefix`` as they age; current and noncurrent
    versions are separate, as in S3 (expiring a versioned object's current version keeps it)."""

    prefix: str = ""
    expire_days: int | None = Field(default=None, ge=1)
    transitions: list[Transition] = Field(default_factory=list)
    noncurrent_expire_days: int | None = Field(default=None, ge=1)
    noncurrent_transitions: list[Transition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some_action(self) -> LifecycleRule:
        if not (
            self.expire_days
            or self.transitions
            or self.noncurrent_expire_days
            or self.noncurrent_transitions
        ):
            raise ValueError(
                "a lifecycle rule needs at least one of expire_days, transitions, "
                "noncurrent_expire_days or noncurrent_transitions"
            )
        return self

    @property
    def noncurrent(self) -> bool:
        return bool(self.noncurrent_expire_days or self.noncurrent_transitions)


class Bucket(Spec):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    versioning: bool = False
    lifecycle: list[LifecycleRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _noncurrent_needs_versions(self) -> Bucket:
        if not self.versioning and any(rule.noncurrent for rule in self.lifecycle):
            raise ValueError(
                "noncurrent-version rules apply to a versioned bucket only; set versioning: true "
                "or use expire_days / transitions"
            )
        return self


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
    """A topic's subscriber: an SQS queue of the model, an email address, or an HTTP path of one of
    the environment's services.

    An email subscription is created as AWS creates it (pending until the address confirms); a
    replica's emulator records it and delivers nothing. An HTTP subscriber gets SNS's JSON
    envelope POSTed to ``path`` on the service's port; on AWS it first confirms the subscription.
    """

    name: Name
    queue: str | None = None
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    service: Name | None = None
    path: Annotated[str, Field(pattern=r"^/[^\s]*$")] = "/"
    """HTTP only: where on the service SNS delivers."""
    raw: bool = True
    """SQS only: deliver the message itself rather than SNS's JSON envelope."""
    filter: dict[str, list[str]] | None = None

    @model_validator(mode="after")
    def _one_endpoint(self) -> Subscription:
        if sum(e is not None for e in (self.queue, self.email, self.service)) != 1:
            raise ValueError(
                "a subscription needs exactly one of queue: <name>, email: <address> or "
                "service: <name>"
            )
        return self


class Topic(Spec):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+(\.fifo)?$")]
    subscriptions: list[Subscription] = Field(default_factory=list)
    events: list[EventContract] = Field(default_factory=list)
    """The schema of each message type published on the topic (the contract suite checks them)."""


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


RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731)
RETENTION_DAYS += (1096, 1827, 2192, 2557, 2922, 3288, 3653)


class LogGroup(Spec):
    """A CloudWatch Logs group; without ``retention_days`` its events never expire, as on AWS."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_./#-]{1,512}$")]
    retention_days: int | None = None

    @field_validator("retention_days")
    @classmethod
    def _cloudwatch_period(cls, value: int | None) -> int | None:
        if value is not None and value not in RETENTION_DAYS:
            raise ValueError(
                f"CloudWatch keeps log events for one of {', '.join(map(str, RETENTION_DAYS))} "
                f"days, not {value}"
            )
        return value


def _log_group_from_name(value: object) -> object:
    return {"name": value} if isinstance(value, str) else value


LogGroupEntry = Annotated[
    LogGroup, BeforeValidator(_log_group_from_name, json_schema_input_type=str | LogGroup)
]
"""A log group by its name alone, or with its retention."""


HANDLER = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*\.[A-Za-z_]\w*$")
PYTHON_RUNTIMES = ("python3.11", "python3.12", "python3.13")
NODE_RUNTIMES = ("nodejs18.x", "nodejs20.x")


class Function(Spec):
    """A Lambda function run on exactly one trigger: a queue's messages, a bucket's new objects or
    an EventBridge schedule. A replica runs it in a container of its own, limited to ``memory``."""

    name: Name
    runtime: str
    """python3.11, python3.12 or python3.13 (a replica runs them on greenroom's Python 3.13)."""
    handler: Annotated[str, Field(json_schema_extra={"pattern": HANDLER.pattern})]
    """`module.function` inside ``code``, as Lambda's handler setting says it."""
    code: BuildContext
    """The function's folder, relative to the project root; its requirements.txt is installed."""
    memory: int = Field(default=128, json_schema_extra={"minimum": 128, "maximum": 10240})
    """MB, as Lambda takes it; the container's memory limit on a replica."""
    timeout: int = Field(default=3, json_schema_extra={"minimum": 1, "maximum": 900})
    """Seconds an invocation may run; past it, it is stopped and counts as failed."""
    env: dict[EnvName, Text] = Field(default_factory=dict)
    zone: Name | None = None
    """Default: the AWS component's zone."""
    depends_on: list[Name] = Field(default_factory=list)
    """Other parts of the environment the function's code connects to (a database, a service)."""
    queue: str | None = None
    """Trigger: an SQS queue of the model, received in batches."""
    batch_size: int = Field(default=10, ge=1, le=10)
    """Queue trigger: messages per invocation (SQS gives at most 10 a receive)."""
    bucket: str | None = None
    """Trigger: objects created in a bucket of the model."""
    prefix: str = ""
    """Bucket trigger: only keys that start with this."""
    suffix: str = ""
    """Bucket trigger: only keys that end with this."""
    schedule: str | None = None
    """Trigger: EventBridge's `cron(minutes hours day-of-month month day-of-week year)` or
    `rate(5 minutes)`, in UTC."""

    @field_validator("runtime")
    @classmethod
    def _known_runtime(cls, value: str) -> str:
        if value in NODE_RUNTIMES:
            raise ValueError(
                f"{value} is not run by greenroom yet: a replica runs Python functions only; "
                f"use one of {', '.join(PYTHON_RUNTIMES)}"
            )
        if value not in PYTHON_RUNTIMES:
            raise ValueError(
                f"no Lambda runtime {value!r}; use one of {', '.join(PYTHON_RUNTIMES)}"
            )
        return value

    @field_validator("handler")
    @classmethod
    def _module_and_function(cls, value: str) -> str:
        if not HANDLER.match(value):
            raise ValueError(
                f"handler {value!r} is not `module.function`: the file's module (its path with "
                "dots) and the function in it, e.g. mailer.handler or jobs.mail.handler"
            )
        return value

    @field_validator("memory")
    @classmethod
    def _lambda_memory(cls, value: int) -> int:
        if not 128 <= value <= 10240:
            raise ValueError(f"Lambda gives a function 128 to 10240 MB, not {value}")
        return value

    @field_validator("timeout")
    @classmethod
    def _lambda_timeout(cls, value: int) -> int:
        if not 1 <= value <= 900:
            raise ValueError(f"Lambda runs a function 1 to 900 seconds (15 minutes), not {value}")
        return value

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, value: str | None) -> str | None:
        if value is not None:
            parse_schedule(value)
        return value

    @model_validator(mode="after")
    def _one_trigger(self) -> Function:
        triggers = [t for t in ("queue", "bucket", "schedule") if getattr(self, t) is not None]
        if len(triggers) != 1:
            raise ValueError(
                "a function needs exactly one trigger: queue: <name>, bucket: <name> or "
                'schedule: "cron(...)" / "rate(...)"'
                + (f"; it has {' and '.join(triggers)}" if triggers else "")
            )
        set_here = self.model_fields_set
        if "batch_size" in set_here and self.queue is None:
            raise ValueError("batch_size applies to a queue trigger only")
        if {"prefix", "suffix"} & set_here and self.bucket is None:
            raise ValueError("prefix and suffix apply to a bucket trigger only")
        return self

    @property
    def trigger(self) -> str:
        """How it is triggered, for a person: `queue jobs`, `bucket videos`, `cron(...)`."""
        if self.queue is not None:
            return f"queue {self.queue}"
        if self.bucket is not None:
            return f"bucket {self.bucket}"
        return str(self.schedule)


class Aws(ComponentBase):
    """AWS services: emulated on a replica (LocalStack or moto), real on stage/prod targets."""

    kind: Literal["aws"] = "aws"
    emulator: str = Field(
        default="localstack", json_schema_extra=lambda schema: schema.update(enum=list(names()))
    )
    """Which AWS emulator a replica runs (a plug-in of this kind: localstack, moto)."""

    @field_validator("emulator")
    @classmethod
    def _registered(cls, value: str) -> str:
        if value not in names():
            raise ValueError(f"no AWS emulator named {value!r}; use one of: {', '.join(names())}")
        return value

    region: str = "us-east-1"
    buckets: list[Bucket] = Field(default_factory=list)
    queues: list[Queue] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    parameters: list[Parameter] = Field(default_factory=list)
    secrets: list[AwsSecret] = Field(default_factory=list)
    log_groups: list[LogGroupEntry] = Field(default_factory=list)
    """CloudWatch Logs groups to create: a name, or {name, retention_days}."""
    functions: list[Function] = Field(default_factory=list)
    """Lambda functions, each on one trigger; a replica runs each in its own container."""
