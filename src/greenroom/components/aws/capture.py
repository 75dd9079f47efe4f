"""Watch SNS topics through a queue of greenroom's own, subscribed for as long as a suite runs.

The app's subscribers keep every message: the watching queue is one more subscriber, removed
(with its subscriptions) when the watch ends.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from greenroom.components.aws.connection import AwsConnection, topic_arn
from greenroom.components.base import Capture, Published

WAIT_SECONDS = 1


def _policy(queue_arn: str, topics: Sequence[str]) -> str:
    """Lets the watched topics deliver to the queue (real AWS needs it; emulators ignore it)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": list(topics)}},
                }
            ],
        }
    )


def subject_of(envelope: Mapping[str, Any], declared: Sequence[str]) -> str:
    """The declared message type an SNS envelope carries: named by one of its attributes, else
    the body's ``type``, else the topic's only declared type."""
    attributes = envelope.get("MessageAttributes") or {}
    named = [str(a.get("Value")) for a in attributes.values() if isinstance(a, Mapping)]
    try:
        body = json.loads(str(envelope.get("Message", "")))
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        named.append(str(body.get("type")))
    found = next((n for n in named if n in declared), None)
    return found or (declared[0] if len(declared) == 1 else "")


@contextmanager
def capture(conn: AwsConnection, topics: Mapping[str, Sequence[str]]) -> Iterator[Capture]:
    """Subscribe a fresh queue to each topic (name -> its declared message types)."""
    sqs, sns = conn.client("sqs"), conn.client("sns")
    with ExitStack() as cleanup:
        url = sqs.create_queue(QueueName=f"greenroom-capture-{secrets.token_hex(4)}")["QueueUrl"]
        cleanup.callback(sqs.delete_queue, QueueUrl=url)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        arns = {topic_arn(sns, name): name for name in topics}
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": _policy(arn, list(arns))})
        for topic in arns:
            sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
            cleanup.callback(sns.unsubscribe, SubscriptionArn=sub)
        seen: list[Published] = []

        def since_start() -> list[Published]:
            while True:
                got = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=WAIT_SECONDS
                ).get("Messages", [])
                if not got:
                    return list(seen)
                for message in got:
                    envelope = json.loads(message["Body"])
                    topic = arns.get(str(envelope.get("TopicArn")), "?")
                    seen.append(
                        Published(
                            subject_of(envelope, topics.get(topic, ())),
                            str(envelope.get("Message", "")).encode(),
                            f"topic {topic} message {envelope.get('MessageId', '?')}",
                        )
                    )
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

        yield since_start
