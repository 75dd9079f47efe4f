"""How suites and a team's tests reach AWS (an emulator's endpoint, or real AWS)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from greenroom.components.aws.provision import AwsTarget
from greenroom.components.base import NotRefused, Unreachable


@dataclass(frozen=True)
class AwsConnection:
    """Region, endpoint (None: real AWS, with the caller's credentials) and declared names."""

    region: str
    endpoint_url: str | None
    buckets: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    emulator: str | None = None

    def client(self, service: str) -> Any:
        """A boto3 client of ``service`` at this endpoint."""
        return AwsTarget(region=self.region, endpoint_url=self.endpoint_url).client(service)


def topic_arn(sns: Any, name: str) -> str:
    """The ARN of topic ``name`` (ListTopics, paginated), or LookupError."""
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            if topic["TopicArn"].rsplit(":", 1)[-1] == name:
                return str(topic["TopicArn"])
    raise LookupError(f"SNS topic {name} does not exist")


def reach(conn: AwsConnection) -> str:
    """Every bucket, queue and topic the model declares exists at the endpoint."""
    s3, sqs, sns = conn.client("s3"), conn.client("sqs"), conn.client("sns")
    for bucket in conn.buckets:
        s3.head_bucket(Bucket=bucket)
    for queue in conn.queues:
        sqs.get_queue_url(QueueName=queue)
    for topic in conn.topics:
        topic_arn(sns, topic)
    if not (conn.buckets or conn.queues or conn.topics):
        conn.client("sts").get_caller_identity()
    where = conn.endpoint_url or f"AWS {conn.region}"
    counts = (
        f"{len(conn.buckets)} bucket(s), {len(conn.queues)} queue(s), {len(conn.topics)} topic(s)"
    )
    return f"{counts} at {where}"


def refuse(conn: AwsConnection) -> str | None:
    """Real AWS refuses invented credentials; an emulator accepts any, so nothing to refuse."""
    if conn.endpoint_url:
        return None
    import boto3

    sts = boto3.client(
        "sts",
        region_name=conn.region,
        aws_access_key_id="AKIAGREENROOMSMOKE00",
        aws_secret_access_key=secrets.token_urlsafe(30),
    )
    try:
        sts.get_caller_identity()
    except Exception as exc:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if code in {"InvalidClientTokenId", "SignatureDoesNotMatch", "AccessDenied"}:
            return f"invented credentials are refused ({code})"
        raise Unreachable(
            f"STS failed, but not for the credentials: {type(exc).__name__}"
        ) from None
    raise NotRefused("AWS accepted invented credentials")


def _client(service: str) -> Any:
    def make(conn: AwsConnection) -> Any:
        return conn.client(service)

    make.__doc__ = f"boto3 {service} client for the emulator (or real AWS without an endpoint)."
    return make


def aws_connection(conn: AwsConnection) -> AwsConnection:
    """The AWS connection: ``.client(name)`` makes any boto3 client at the right endpoint."""
    return conn
