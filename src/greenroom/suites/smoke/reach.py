"""Per component kind: reachable with the environment's credentials, refused without them.

Each entry returns a short description of what answered; a failure raises with what it saw.
``REFUSE`` entries return None when there is nothing to refuse (auth off, an emulator).
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from greenroom.suites.clients import aws_client, pg_connect, redis_client, with_nats
from greenroom.suites.journey import describe
from greenroom.suites.target import Target

Check = Callable[[Target], str]
Refusal = Callable[[Target], str | None]
HTTP_TIMEOUT = 5.0


class Unreachable(AssertionError):
    """A component did not answer as the environment's credentials say it should."""


class NotRefused(AssertionError):
    """A component let in a client that should have been refused."""


def http(method: str, url: str, body: Any = None, timeout: float = HTTP_TIMEOUT) -> tuple[int, Any]:
    """(status, parsed JSON or text) of one request; HTTP errors are returned, not raised."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def reach_api(target: Target) -> str:
    status, body = http("GET", f"{target.api_url}/healthz")
    if status != 200:
        raise Unreachable(f"GET /healthz answered {status}: {str(body)[:200]}")
    return f"{target.api_url} healthy"


def reach_postgres(target: Target) -> str:
    assert target.postgres
    with pg_connect(target.postgres) as conn:
        row = conn.execute("SELECT current_user, current_setting('server_version')").fetchone()
    return f"PostgreSQL {row[1]} as {row[0]}"


def reach_redis(target: Target) -> str:
    assert target.redis
    client = redis_client(target.redis)
    try:
        client.ping()
        version = client.info("server").get("redis_version", "?")
    finally:
        client.close()
    return f"Redis {version} at {target.redis.url}"


def reach_nats(target: Target) -> str:
    nt = target.nats
    assert nt

    async def use(nc: Any) -> str:
        js = nc.jetstream(timeout=5)
        info = await js.stream_info(nt.stream)
        seq = info.state.last_seq
        return f"NATS {nc.connected_server_version}, stream {nt.stream} at seq {seq}"

    return with_nats(nt, use)


def reach_aws(target: Target) -> str:
    aws = target.aws
    assert aws
    aws_client(aws, "s3").head_bucket(Bucket=aws.bucket)
    sqs = aws_client(aws, "sqs")
    for queue in aws.queues:
        sqs.get_queue_url(QueueName=queue)
    topic_arn(aws_client(aws, "sns"), aws.topic)
    where = aws.endpoint_url or f"AWS {aws.region}"
    return f"S3 {aws.bucket}, SNS {aws.topic}, SQS {', '.join(aws.queues)} at {where}"


def topic_arn(sns: Any, name: str) -> str:
    """The ARN of topic ``name`` (ListTopics, paginated), or LookupError."""
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            if topic["TopicArn"].rsplit(":", 1)[-1] == name:
                return str(topic["TopicArn"])
    raise LookupError(f"SNS topic {name} does not exist")


def refuse_postgres(target: Target) -> str | None:
    import psycopg

    assert target.postgres
    try:
        pg_connect(target.postgres, password=secrets.token_urlsafe(18)).close()
    except psycopg.OperationalError as exc:
        text = str(exc)
        if exc.sqlstate == "28P01" or "password authentication failed" in text:
            return "a wrong password is refused"
        raise Unreachable(f"refused, but not for the password: {describe(exc)}") from None
    raise NotRefused("Postgres accepted a wrong password (is pg_hba set to trust?)")


def refuse_redis(target: Target) -> str | None:
    import redis

    rd = target.redis
    assert rd
    if not rd.auth:
        return None
    for label, client in (
        ("no password", redis_client(rd, anonymous=True)),
        ("a wrong password", redis_client(rd, password=secrets.token_urlsafe(18))),
    ):
        try:
            client.ping()
        except (redis.AuthenticationError, redis.ResponseError) as exc:
            if (
                "NOAUTH" not in str(exc)
                and "WRONGPASS" not in str(exc)
                and not isinstance(exc, redis.AuthenticationError)
            ):
                raise Unreachable(f"{label}: unexpected answer {describe(exc)}") from None
        else:
            raise NotRefused(f"Redis answered PING with {label} although auth is on")
        finally:
            client.close()
    return "no password and a wrong password are refused"


def refuse_nats(target: Target) -> str | None:
    nt = target.nats
    assert nt
    if not nt.auth:
        return None

    async def use(nc: Any) -> str:
        return str(nc.connected_server_version)

    try:
        with_nats(nt, use, token=None)
    except Exception:
        return "a client without the token is refused"
    raise NotRefused("NATS accepted a client without its token although auth is on")


def refuse_aws(target: Target) -> str | None:
    aws = target.aws
    assert aws
    if aws.endpoint_url:
        return None
    import boto3

    sts = boto3.client(
        "sts",
        region_name=aws.region,
        aws_access_key_id="AKIAGREENROOMSMOKE00",
        aws_secret_access_key=secrets.token_urlsafe(30),
    )
    try:
        sts.get_caller_identity()
    except Exception as exc:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if code in {"InvalidClientTokenId", "SignatureDoesNotMatch", "AccessDenied"}:
            return f"invented credentials are refused ({code})"
        raise Unreachable(f"STS failed, but not for the credentials: {describe(exc)}") from None
    raise NotRefused("AWS accepted invented credentials")


REACH: dict[str, Check] = {
    "api": reach_api,
    "postgres": reach_postgres,
    "redis": reach_redis,
    "nats": reach_nats,
    "aws": reach_aws,
}
REFUSE: dict[str, Refusal] = {
    "postgres": refuse_postgres,
    "redis": refuse_redis,
    "nats": refuse_nats,
    "aws": refuse_aws,
}
WHY_NOTHING_TO_REFUSE = {
    "redis": "auth is off in this environment",
    "nats": "auth is off in this environment",
    "aws": "an emulator accepts any credentials",
}
