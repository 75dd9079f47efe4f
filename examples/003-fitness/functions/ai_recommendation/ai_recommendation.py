"""ai_recommendation_lambda: a health-sync job in, a training recommendation out on
ai-recommendations. The seed's ML libraries are stood in for by a rule of thumb."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

PLANS = ("mobility", "strength", "endurance")


def recommend(user_id: int) -> dict[str, Any]:
    """The same user gets the same plan: deterministic, so a test can say what to expect."""
    return {"type": "recommendation", "user_id": user_id, "plan": PLANS[user_id % len(PLANS)]}


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=os.environ["RECOMMENDATIONS_QUEUE"])["QueueUrl"]
    for record in event["Records"]:
        job = json.loads(record["body"])
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(recommend(job["user_id"])))
    return {"recommended": len(event["Records"])}
