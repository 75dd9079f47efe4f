"""The six ECS services: what each does with the platform's stores, queues, topics and buckets."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import urllib.request
import uuid
from typing import Any

from fitness.web import aws, cache_client, database, queue_url, topic_arn

log = logging.getLogger("fitness")
SESSION_TTL = 24 * 3600  # "Session storage (TTL: 24 hours)"
RECOMMENDATION_TTL = 300  # "Recommendation cache (5 min TTL)"


def api(method: str, path: str, body: Any) -> tuple[int, Any]:
    """Sign-ups: a user row in PostgreSQL and `user.signed_up` on the user-events topic."""
    if (method, path) == ("POST", "/api/users"):
        with database() as conn:
            row = conn.execute(
                "INSERT INTO users (email) VALUES (%s) RETURNING id", (body["email"],)
            ).fetchone()
        user_id = row[0] if row else None
        event = {"type": "user.signed_up", "user_id": user_id, "email": body["email"]}
        aws("sns").publish(
            TopicArn=topic_arn(os.environ["USER_EVENTS_TOPIC"]), Message=json.dumps(event)
        )
        return 201, {"id": user_id}
    return 404, {"error": f"no route {method} {path}"}


def auth(method: str, path: str, body: Any) -> tuple[int, Any]:
    """Sessions in Redis, kept for the seed's 24 hours."""
    if (method, path) == ("POST", "/auth/sessions"):
        token = uuid.uuid4().hex
        cache_client().setex(f"session:{token}", SESSION_TTL, json.dumps(body))
        return 201, {"token": token}
    if method == "GET" and path.startswith("/auth/sessions/"):
        found = cache_client().get(f"session:{path.rsplit('/', 1)[1]}")
        return (200, json.loads(found)) if found else (404, {"error": "no such session"})
    return 404, {"error": f"no route {method} {path}"}


def training(method: str, path: str, body: Any) -> tuple[int, Any]:
    """Workouts in PostgreSQL; the leaderboard as a Redis sorted set of minutes."""
    if (method, path) == ("POST", "/training/workouts"):
        with database() as conn:
            conn.execute(
                "INSERT INTO workouts (user_id, minutes) VALUES (%s, %s)",
                (body["user_id"], body["minutes"]),
            )
        cache_client().zincrby("leaderboard", body["minutes"], str(body["user_id"]))
        return 201, {"recorded": True}
    if (method, path) == ("GET", "/training/leaderboard"):
        top = cache_client().zrevrange("leaderboard", 0, 9, withscores=True)
        return 200, [{"user_id": int(u), "minutes": int(m)} for u, m in top]
    return 404, {"error": f"no route {method} {path}"}


def content(method: str, path: str, body: Any) -> tuple[int, Any]:
    """Video uploads to the versioned videos bucket, announced on content-events; the topic's
    search-index subscriber is this service's own catalogue (in Redis), fed over HTTP."""
    bucket = os.environ["VIDEOS_BUCKET"]
    if (method, path) == ("POST", "/content/search-index"):
        return index(json.loads(body))
    if method == "GET" and path.startswith("/content/catalogue/"):
        key = path.removeprefix("/content/catalogue/")
        found = cache_client().hget("catalogue", key)
        return (200, json.loads(found)) if found else (404, {"error": "not indexed"})
    if method == "PUT" and path.startswith("/content/videos/"):
        key = path.removeprefix("/content/videos/")
        put = aws("s3").put_object(Bucket=bucket, Key=key, Body=body)
        event = {"type": "content.uploaded", "key": key, "version": put.get("VersionId")}
        aws("sns").publish(
            TopicArn=topic_arn(os.environ["CONTENT_EVENTS_TOPIC"]), Message=json.dumps(event)
        )
        return 201, {"key": key, "version": put.get("VersionId")}
    if method == "GET" and path.startswith("/content/videos/"):
        key = path.removeprefix("/content/videos/")
        versions = aws("s3").list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])
        return 200, {"key": key, "versions": len([v for v in versions if v["Key"] == key])}
    return 404, {"error": f"no route {method} {path}"}


def index(envelope: dict[str, Any]) -> tuple[int, Any]:
    """An SNS HTTP delivery: confirm the subscription (AWS asks first), then index the upload."""
    if envelope.get("Type") == "SubscriptionConfirmation":
        with urllib.request.urlopen(envelope["SubscribeURL"], timeout=10):
            return 200, {"confirmed": True}
    event = json.loads(envelope["Message"])
    if event.get("type") == "content.uploaded":
        cache_client().hset("catalogue", event["key"], json.dumps(event))
    return 200, {"indexed": event.get("key")}


def payment(method: str, path: str, body: Any) -> tuple[int, Any]:
    """Providers' webhooks go onto the FIFO queue in order, one group per provider."""
    if method == "POST" and path.startswith("/payments/webhooks/"):
        provider = path.rsplit("/", 1)[1]
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = aws("sqs").send_message(
            QueueUrl=queue_url(os.environ["WEBHOOK_QUEUE"]),
            MessageBody=raw.decode(),
            MessageGroupId=provider,
            MessageDeduplicationId=hashlib.sha256(raw).hexdigest(),
        )
        return 202, {"message_id": sent["MessageId"]}
    if method == "GET" and path.startswith("/payments/"):
        with database() as conn:
            row = conn.execute(
                "SELECT provider, amount FROM payments WHERE payment_id = %s",
                (path.rsplit("/", 1)[1],),
            ).fetchone()
        if row is None:
            return 404, {"error": "no such payment"}
        return 200, {"provider": row[0], "amount": float(row[1])}
    return 404, {"error": f"no route {method} {path}"}


def settle_webhooks() -> None:
    """Record each webhook's payment and announce it on payment-events; a webhook that cannot be
    read stays on the queue, is received again after the visibility timeout, and SQS moves it to
    the dead-letter queue after the redrive policy's receives."""
    sqs, url = aws("sqs"), queue_url(os.environ["WEBHOOK_QUEUE"])
    while True:
        try:
            answer = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1, AttributeNames=["All"]
            )
        except Exception:
            log.exception("receiving webhooks failed")
            time.sleep(2)
            continue
        for message in answer.get("Messages", []):
            try:
                hook = json.loads(message["Body"])
                provider = message["Attributes"]["MessageGroupId"]
                with database() as conn:
                    conn.execute(
                        "INSERT INTO payments (payment_id, provider, amount) VALUES (%s, %s, %s)"
                        " ON CONFLICT DO NOTHING",
                        (hook["payment_id"], provider, hook["amount"]),
                    )
                aws("sns").publish(
                    TopicArn=topic_arn(os.environ["PAYMENT_EVENTS_TOPIC"]),
                    Message=json.dumps({"type": "payment.settled", **hook}),
                )
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            except Exception as exc:
                log.warning("webhook %s failed: %s", message["MessageId"], exc)


def ml(method: str, path: str, body: Any) -> tuple[int, Any]:
    """Recommendations, cached in Redis for the seed's 5 minutes."""
    if method == "GET" and path.startswith("/ml/recommendations/"):
        user = path.rsplit("/", 1)[1]
        key = f"recommendations:{user}"
        cached = cache_client().get(key)
        if cached:
            return 200, {"user": user, "items": json.loads(cached), "cached": True}
        items = [f"plan-{int(hashlib.sha256(user.encode()).hexdigest(), 16) % 7}"]
        cache_client().setex(key, RECOMMENDATION_TTL, json.dumps(items))
        return 200, {"user": user, "items": items, "cached": False}
    return 404, {"error": f"no route {method} {path}"}


def start_background(role: str) -> None:
    if role == "payment":
        threading.Thread(target=settle_webhooks, name="webhooks", daemon=True).start()
