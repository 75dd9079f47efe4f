"""The audit history of an environment's releases: an object in the target's S3 bucket, cached.

Who, when, which digests and tag, the evidence, each canary step's verdict, rollbacks. Writes are
compare-and-swap on the object's ETag, so two writers never lose each other's record.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from greenroom.paths import workdir
from greenroom.release.clients import Clients
from greenroom.release.errors import ReleaseError
from greenroom.release.ledger import now
from greenroom.release.target import MISSING, AwsTarget, aws_call

KEY = "greenroom/releases.json"
State = Literal["started", "done", "failed", "rolled-back", "interrupted", "halted"]
"""`halted`: a canary breached with `rollout.auto_rollback` off, its traffic held at that step."""


@dataclass(frozen=True)
class Step:
    """One canary step: the candidate's traffic weight and the judge's verdict."""

    weight: float
    verdict: Literal["pass", "breach"]
    says: str


@dataclass(frozen=True)
class Release:
    """One promotion or rollback of one environment."""

    number: int
    env: str
    action: Literal["promote", "rollback"]
    state: State
    who: str
    time: str
    commit: str = ""
    tag: str | None = None
    tag_object: str | None = None
    digest: str = ""
    images: dict[str, str] = field(default_factory=dict)
    """Service -> the image ID the suites ran."""
    refs: dict[str, str] = field(default_factory=dict)
    """Service -> ``repository@sha256:...`` in the target's registry."""
    task_definitions: dict[str, str] = field(default_factory=dict)
    previous: dict[str, str] = field(default_factory=dict)
    """Service -> the task definition it ran before this release (where a rollback returns)."""
    evidence: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    approved_by: str | None = None
    note: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Release:
        known = {f.name for f in fields(cls)}
        kept = {k: v for k, v in data.items() if k in known}
        kept["steps"] = [Step(**s) for s in kept.get("steps", [])]
        return cls(**kept)


def who() -> str:
    """The person behind a release: git's user.email, else the login name."""
    import subprocess

    done = subprocess.run(
        ["git", "config", "user.email"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or os.environ.get("USER", "unknown")


def cache_path(env: str) -> Path:
    return workdir() / "releases" / f"{env}.json"


def cached(env: str) -> list[Release]:
    """The last history read from or written to the target (no AWS call)."""
    try:
        data = json.loads(cache_path(env).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise ReleaseError(
            f"the release history cache {cache_path(env)} is unreadable: {exc}",
            hint="delete it: the next command reads the history from the target again",
        ) from exc
    return [Release.from_json(r) for r in data]


def _cache(env: str, releases: list[Release]) -> None:
    path = cache_path(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(r) for r in releases], indent=1), encoding="utf-8")
    tmp.replace(path)


class History:
    """The history object of one target: read it, append or replace a record (ETag-checked)."""

    def __init__(self, target: AwsTarget, clients: Clients | None = None) -> None:
        self.target = target
        self._clients = clients
        self._etag: str | None = None

    @property
    def s3(self) -> Any:
        """The S3 client, made on first use: reading the plan's history may find no credentials."""
        if self._clients is None:
            self._clients = Clients(self.target)
        return self._clients.s3

    def read(self) -> list[Release]:
        got = aws_call(
            f"reading the release history s3://{self.target.bucket}/{KEY}",
            self.s3.get_object,
            tolerate=MISSING,
            hint=f"create the bucket {self.target.bucket} (or set promotion.target.bucket) and "
            "give the deployer read and write access to it",
            Bucket=self.target.bucket,
            Key=KEY,
        )
        if got is None:
            self._etag = None
            _cache(self.target.env, [])
            return []
        self._etag = got["ETag"]
        releases = [Release.from_json(r) for r in json.loads(got["Body"].read())]
        _cache(self.target.env, releases)
        return releases

    def _write(self, releases: list[Release]) -> None:
        body = json.dumps([asdict(r) for r in releases], indent=1).encode()
        guard: dict[str, Any] = {"IfMatch": self._etag} if self._etag else {"IfNoneMatch": "*"}
        put = aws_call(
            f"writing the release history s3://{self.target.bucket}/{KEY}",
            self.s3.put_object,
            Bucket=self.target.bucket,
            Key=KEY,
            Body=body,
            **guard,
        )
        self._etag = put["ETag"]
        _cache(self.target.env, releases)

    def append(self, **values: Any) -> Release:
        releases = self.read()
        number = releases[-1].number + 1 if releases else 1
        record = Release(number=number, env=self.target.env, who=who(), time=now(), **values)
        self._write([*releases, record])
        return record

    def update(self, record: Release, **changes: Any) -> Release:
        releases = self.read()
        changed = replace(record, **changes)
        self._write([changed if r.number == record.number else r for r in releases])
        return changed


def current(releases: list[Release]) -> Release | None:
    """The release now in service: the last one that completed (promotion or rollback)."""
    return next((r for r in reversed(releases) if r.state == "done"), None)


def released_tags(releases: list[Release]) -> dict[str, str]:
    """Tag -> tag object SHA, as first promoted."""
    tags: dict[str, str] = {}
    for r in releases:
        if r.tag and r.tag_object and r.action == "promote":
            tags.setdefault(r.tag, r.tag_object)
    return tags
