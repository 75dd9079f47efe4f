"""What an environment says about NATS: JetStream streams and their consumers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from greenroom.model.types import ComponentBase, Duration, EventContract, SecretRef, Spec, Text


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
    events: list[EventContract] = Field(default_factory=list)
    """The schema of each subject published on the stream (the contract suite checks them)."""


class Nats(ComponentBase):
    kind: Literal["nats"] = "nats"
    version: Text | None = "2.10"
    streams: list[Stream] = Field(default_factory=list)
    auth: bool = False
    token: SecretRef | None = None
