"""What an environment says about AWS: buckets, queues, topics, parameters, secrets, log groups."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from greenroom.components.aws.emulators import names
from greenroom.model.types import ComponentBase, Duration, EventContract, Name, SecretRef, Spec


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
    """A topic's subscriber: an SQS queue of the model, or an email address.

    An email subscription is created as AWS creates it (pending until the address confirms); a
    replica's emulator records it and delivers nothing.
    """

    name: Name
    queue: str | None = None
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    raw: bool = True
    """SQS only: deliver the message itself rather than SNS's JSON envelope."""
    filter: dict[str, list[str]] | None = None

    @model_validator(mode="after")
    def _one_endpoint(self) -> Subscription:
        if (self.queue is None) == (self.email is None):
            raise ValueError(
                "a subscription needs exactly one of queue: <name> or email: <address>"
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
    log_groups: list[str] = Field(default_factory=list)
    """CloudWatch Logs groups to create."""
