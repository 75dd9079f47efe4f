"""The objects and queue messages a replay compares, and emptying them for a fresh start."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from greenroom.components.aws.connection import AwsConnection
from greenroom.components.base import Observed


def _objects(conn: AwsConnection, prefix: str) -> list[str]:
    bucket, _, start = prefix.partition("/")
    s3 = conn.client("s3")
    lines = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=start):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            lines.append(f"{item['Key']} sha256:{hashlib.sha256(body).hexdigest()}")
    return sorted(lines)


def _drain(conn: AwsConnection, queue: str) -> list[str]:
    """Every message body waiting in ``queue``, each deleted once read."""
    sqs = conn.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not got:
            return sorted(bodies)
        for message in got:
            bodies.append(str(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def observe(
    conn: AwsConnection, prefixes: Sequence[str], queues: Sequence[str]
) -> dict[str, Observed]:
    """Each prefix's objects (key and body hash) and each queue's messages (drained)."""
    found = {f"objects {p}": Observed(tuple(_objects(conn, p))) for p in prefixes}
    found.update({f"queue {q}": Observed(tuple(_drain(conn, q)), drained=True) for q in queues})
    return found


def reset(conn: AwsConnection, prefixes: Sequence[str], queues: Sequence[str]) -> None:
    """Delete every object under the prefixes and every waiting message of the queues."""
    s3 = conn.client("s3")
    for prefix in prefixes:
        bucket, _, start = prefix.partition("/")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=start):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    for queue in queues:
        _drain(conn, queue)
