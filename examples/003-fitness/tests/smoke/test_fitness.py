"""The fitness platform's own smoke tests: the ALB's paths to the six services, and the seed's rules
for its queues, topics, buckets, log groups and Lambda functions, seen live on whichever
environment is up.

`SEED` holds what the architecture says of each resource, not what envs/ declares: a test compares
the two through the running emulator.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SEED_BUCKETS: dict[str, dict[str, Any]] = {
    # versioning, and each lifecycle rule's actions as S3 reports them
    "fitness-platform-videos": {
        "versioning": "Enabled",
        "rules": [{"Transitions": [{"Days": 90, "StorageClass": "GLACIER"}]}],
    },
    "fitness-platform-images": {
        "versioning": None,
        "rules": [{"Transitions": [{"Days": 0, "StorageClass": "INTELLIGENT_TIERING"}]}],
    },
    "fitness-platform-backups": {
        "versioning": "Enabled",
        "rules": [{"Transitions": [{"Days": 7, "StorageClass": "GLACIER"}]}],
    },
    "fitness-platform-analytics": {"versioning": None, "rules": [{"Expiration": {"Days": 730}}]},
}
SEED_LOG_RETENTION = {
    "/aws/ecs/api-gateway": 30,
    "/aws/ecs/auth-service": 7,
    "/aws/ecs/payment-service": 180,
    "/aws/lambda/email": 30,
    "/aws/rds/postgresql": 90,
    "/aws/vpc-flow-logs": 30,
    "/aws/apigateway/access": 30,
}
GREENROOM = (sys.executable, "-m", "greenroom")
FUNCTIONS = ("send-email", "health-sync", "ai-recommendation", "encode-video")
"""Each writes its lines to `/aws/lambda/<name>`, a group Lambda makes on the first invocation."""
PLANS = ("mobility", "strength", "endurance")  # ai_recommendation's rule: the user's id modulo 3
READ_REPLICA = {"dev": False, "stage": False, "prod": True}
WEBHOOKS, WEBHOOKS_DLQ = "payment-webhooks.fifo", "payment-webhooks-dlq.fifo"


def http(method: str, url: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else json.dumps(body).encode() if body is not None else None
    kind = "application/octet-stream" if raw is not None else "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def eventually(check: Callable[[], Any], seconds: float = 60) -> Any:
    """The first truthy answer of `check` within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def drain(sqs: Any, queue: str, marker: str, seconds: float = 30) -> list[str]:
    """Bodies holding `marker` received from `queue` within `seconds` (deleted as read)."""
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    found: list[str] = []

    def receive() -> list[str]:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        ):
            if marker in m["Body"]:
                found.append(m["Body"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return found

    return list(eventually(receive, seconds))


def logged(logs: Any, function: str, marker: str, seconds: float = 60) -> list[str]:
    """The lines holding `marker` that `function` wrote to its log group within `seconds`."""
    group = f"/aws/lambda/{function}"

    def read() -> list[str]:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            return []
        return [e["message"] for e in events if marker in e["message"]]

    return list(eventually(read, seconds))


def invoke(target: Any, root: Path, function: str, event: Any) -> Any:
    """Run `function` once by hand, as `aws lambda invoke` would: a scheduled one cannot wait for
    its hour in a smoke run."""
    if target.kind != "replica":
        pytest.skip("a function is invoked by hand on the local replica")
    done = subprocess.run(
        [*GREENROOM, "invoke", target.env, function, "--event", json.dumps(event)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def sign_up(api_url: str) -> tuple[int, str]:
    email = f"runner-{uuid.uuid4().hex[:10]}@example.com"
    status, created = http("POST", f"{api_url}/api/users", {"email": email})
    assert status == 201, created
    return created["id"], email


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/health", "api"),
        ("/auth/health", "auth"),
        ("/training/health", "training"),
        ("/content/health", "content"),
        ("/payments/health", "payment"),
        ("/ml/health", "ml"),
    ],
)
def test_the_load_balancer_routes_each_path_to_its_service(
    api_url: str, path: str, service: str
) -> None:
    assert http("GET", f"{api_url}{path}") == (200, {"status": "ok", "service": service})


def test_user_events_fan_out_to_analytics_and_the_email_function(
    api_url: str, pg_conn: Any, sqs_client: Any, logs_client: Any
) -> None:
    user_id, email = sign_up(api_url)
    assert pg_conn.execute("SELECT email FROM users WHERE id = %s", (user_id,)).fetchone()
    event = {"type": "user.signed_up", "user_id": user_id, "email": email}
    (body,) = drain(sqs_client, "analytics-events", email)
    assert json.loads(body) == event
    # email-notifications is send_email's trigger: the function drains it and sends the mail.
    (line,) = logged(logs_client, "send-email", email)
    assert json.loads(line)["sent"] == {
        "from": "no-reply@fitness-platform.example",
        "to": email,
        "subject": "Welcome to the fitness platform",
    }


def test_the_daily_health_sync_queues_a_job_each_user_turns_into_a_recommendation(
    api_url: str, sqs_client: Any, greenroom_target: Any, greenroom_root: Path
) -> None:
    user_id, _ = sign_up(api_url)
    scheduled = {"detail-type": "Scheduled Event", "source": "aws.events", "time": "05:00"}
    assert invoke(greenroom_target, greenroom_root, "health-sync", scheduled)["queued"] >= 1
    # health-sync-jobs is ai_recommendation's trigger; its answer lands on ai-recommendations.
    (body,) = drain(sqs_client, "ai-recommendations", f'"user_id": {user_id},')
    assert json.loads(body) == {
        "type": "recommendation",
        "user_id": user_id,
        "plan": PLANS[user_id % 3],
    }


def test_an_uploaded_video_gets_an_encoding_job_and_the_job_triggers_nothing(
    api_url: str, s3_client: Any, logs_client: Any
) -> None:
    name = f"smoke-{uuid.uuid4().hex[:10]}"
    status, put = http("PUT", f"{api_url}/content/videos/uploads/{name}.mp4", raw=b"take 1")
    assert status == 201, put
    bucket = "fitness-platform-videos"

    def job() -> Any:
        try:
            found = s3_client.get_object(Bucket=bucket, Key=f"jobs/{name}.mp4.json")
        except s3_client.exceptions.NoSuchKey:
            return None
        return json.loads(found["Body"].read())

    recorded = eventually(job, 60)
    assert recorded, "encode_video never recorded a job for the upload"
    assert recorded["input"] == f"s3://{bucket}/uploads/{name}.mp4"
    assert recorded["queue"] == "Standard"
    assert len(logged(logs_client, "encode-video", name)) == 1


def test_a_settled_payment_is_recorded_and_announced_to_analytics(
    api_url: str, sqs_client: Any
) -> None:
    payment = f"pay-{uuid.uuid4().hex[:10]}"
    hook = {"payment_id": payment, "amount": 9.99}
    assert http("POST", f"{api_url}/payments/webhooks/stripe", hook)[0] == 202
    recorded = eventually(lambda: http("GET", f"{api_url}/payments/{payment}")[0] == 200, 30)
    assert recorded and http("GET", f"{api_url}/payments/{payment}")[1] == {
        "provider": "stripe",
        "amount": 9.99,
    }
    (body,) = drain(sqs_client, "analytics-events", payment)
    assert json.loads(body) == {"type": "payment.settled", **hook}


def test_a_failed_payment_webhook_moves_to_its_dlq_after_the_configured_receives(
    api_url: str, sqs_client: Any
) -> None:
    url = sqs_client.get_queue_url(QueueName=WEBHOOKS)["QueueUrl"]
    attributes = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(f":{WEBHOOKS_DLQ}")
    assert int(redrive["maxReceiveCount"]) == 3
    marker = f"unreadable-{uuid.uuid4().hex[:10]}"
    # A webhook without a payment id: the payment service cannot settle it and leaves it queued.
    status, _ = http("POST", f"{api_url}/payments/webhooks/yandex", {"note": marker})
    assert status == 202
    wait = 3 * int(attributes["VisibilityTimeout"]) + 60
    (body,) = drain(sqs_client, WEBHOOKS_DLQ, marker, wait)
    assert json.loads(body) == {"note": marker}


def test_buckets_version_and_age_as_the_seed_says(s3_client: Any) -> None:
    for bucket, seed in SEED_BUCKETS.items():
        assert s3_client.get_bucket_versioning(Bucket=bucket).get("Status") == seed["versioning"]
        rules = s3_client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        actions = [
            {k: v for k, v in rule.items() if k not in {"ID", "Filter", "Status", "Prefix"}}
            for rule in rules
        ]
        assert actions == seed["rules"], bucket


def test_a_reuploaded_video_keeps_its_earlier_version(api_url: str) -> None:
    key = f"smoke/{uuid.uuid4().hex[:10]}.mp4"
    first = http("PUT", f"{api_url}/content/videos/{key}", raw=b"take 1")
    second = http("PUT", f"{api_url}/content/videos/{key}", raw=b"take 2")
    assert first[0] == second[0] == 201 and first[1]["version"] != second[1]["version"]
    assert http("GET", f"{api_url}/content/videos/{key}") == (200, {"key": key, "versions": 2})


def test_an_uploaded_video_reaches_the_search_index_through_content_events(api_url: str) -> None:
    key = f"smoke/{uuid.uuid4().hex[:10]}.mp4"
    status, put = http("PUT", f"{api_url}/content/videos/{key}", raw=b"warm-up")
    assert status == 201, put
    indexed = eventually(lambda: http("GET", f"{api_url}/content/catalogue/{key}")[0] == 200, 30)
    assert indexed, "content-events never delivered the upload to the search-index subscriber"
    assert http("GET", f"{api_url}/content/catalogue/{key}")[1] == {
        "type": "content.uploaded",
        "key": key,
        "version": put["version"],
    }


def test_log_groups_keep_events_as_long_as_the_seed_says(logs_client: Any) -> None:
    groups = logs_client.describe_log_groups(logGroupNamePrefix="/aws/")["logGroups"]
    made_by_lambda = {f"/aws/lambda/{f}" for f in FUNCTIONS}
    assert {
        g["logGroupName"]: g.get("retentionInDays")
        for g in groups
        if g["logGroupName"] not in made_by_lambda
    } == SEED_LOG_RETENTION


def test_a_session_lives_24_hours_in_redis(api_url: str, redis_client: Any) -> None:
    status, session = http("POST", f"{api_url}/auth/sessions", {"user_id": 7})
    assert status == 201
    assert http("GET", f"{api_url}/auth/sessions/{session['token']}") == (200, {"user_id": 7})
    assert 86000 < redis_client.ttl(f"session:{session['token']}") <= 86400


def test_workouts_rank_users_on_the_leaderboard(api_url: str) -> None:
    user = 10_000 + uuid.uuid4().int % 1_000_000
    minutes = 100_000 + uuid.uuid4().int % 1000
    assert (
        http("POST", f"{api_url}/training/workouts", {"user_id": user, "minutes": minutes})[0]
        == 201
    )
    status, board = http("GET", f"{api_url}/training/leaderboard")
    assert status == 200 and {"user_id": user, "minutes": minutes} in board


def test_recommendations_are_cached_for_five_minutes(api_url: str, redis_client: Any) -> None:
    user = uuid.uuid4().hex[:8]
    assert http("GET", f"{api_url}/ml/recommendations/{user}")[1]["cached"] is False
    assert http("GET", f"{api_url}/ml/recommendations/{user}")[1]["cached"] is True
    assert 0 < redis_client.ttl(f"recommendations:{user}") <= 300


def test_the_analytics_read_replica_streams_only_in_production(
    pg_conn: Any, greenroom_env: Any
) -> None:
    states = [s for (s,) in pg_conn.execute("SELECT state FROM pg_stat_replication").fetchall()]
    assert states == (["streaming"] if READ_REPLICA[greenroom_env.name] else [])
