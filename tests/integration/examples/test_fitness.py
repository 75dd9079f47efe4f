"""examples/003-fitness: production comes up, passes smoke and network, and keeps the seed's rules
for its queues, topics, buckets, log groups and Lambda functions, seen from the host as an operator
would.

Production only: stage and dev are its shape at one task per service without the read replica
(the model's diff shows it), so bringing them up too would double the run for nothing new.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from seed_examples import EnvRun, bring_up

TEAM_RULES = (
    "test_user_events_fan_out_to_analytics_and_the_email_function",
    "test_the_daily_health_sync_queues_a_job_each_user_turns_into_a_recommendation",
    "test_an_uploaded_video_gets_an_encoding_job_and_the_job_triggers_nothing",
    "test_a_failed_payment_webhook_moves_to_its_dlq_after_the_configured_receives",
    "test_a_settled_payment_is_recorded_and_announced_to_analytics",
    "test_an_uploaded_video_reaches_the_search_index_through_content_events",
    "test_buckets_version_and_age_as_the_seed_says",
    "test_a_reuploaded_video_keeps_its_earlier_version",
    "test_log_groups_keep_events_as_long_as_the_seed_says",
    "test_the_analytics_read_replica_streams_only_in_production",
)


@pytest.fixture(scope="module")
def fitness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EnvRun]:
    yield from bring_up("003-fitness", "prod", tmp_path_factory.mktemp("prod"))


@pytest.fixture(scope="module")
def aws(fitness: EnvRun) -> Any:
    endpoint = fitness.example.json("env", fitness.name, "--format", "json")["AWS_ENDPOINT_URL"]

    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    return client


def test_smoke_passes_with_the_teams_checks_of_the_seed(fitness: EnvRun) -> None:
    assert fitness.smoke.returncode == 0, fitness.smoke.output[-3000:]
    assert {rule: fitness.smoke.verdicts.get(rule) for rule in TEAM_RULES} == dict.fromkeys(
        TEAM_RULES, "passed"
    )


def test_every_declared_network_path_holds(fitness: EnvRun) -> None:
    parity = fitness.network.parity
    assert parity["failed"] == 0, fitness.network.output[-3000:]
    assert fitness.network.published() == {"ingress"}


def test_network_parity_reaches_its_target(fitness: EnvRun) -> None:
    assert fitness.network.returncode == 0, fitness.network.output[-3000:]
    verdicts = {p["property"]: p["verdict"] for p in fitness.network.parity["properties"]}
    # Two clients of one store may not reach each other, nor the store them: the reach rules
    # inside each container refuse what the shared network would let through.
    assert verdicts["api cannot connect to payment:8080"] == "verified"
    assert verdicts["postgres cannot connect to training:8080"] == "verified"


def test_opensearch_runs_or_the_replica_says_why_it_cannot(fitness: EnvRun) -> None:
    from greenroom.images.engine import image_id

    status = fitness.example.json("status", fitness.name, "--json")
    running = {s["name"] for s in status["services"] if s["state"] == "running"}
    if image_id("greenroom/opensearch:2.19") is not None:
        assert "search" in running
        return
    assert "search" not in running and set(status["absent"]) == {"search"}
    assert "search cannot run here, the replica runs without it" in fitness.up
    verdicts = {p["property"]: p for p in fitness.network.parity["properties"]}
    assert verdicts["search runs in the replica"]["verdict"] == "not emulable"


def test_a_poison_message_reaches_the_fifo_dlq_after_three_receives(
    fitness: EnvRun, aws: Any
) -> None:
    sqs = aws("sqs")
    source = sqs.get_queue_url(QueueName="payment-webhooks.fifo")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="payment-webhooks-dlq.fifo")["QueueUrl"]
    body = json.dumps({"note": f"operator-{uuid.uuid4().hex[:8]}"})
    sqs.send_message(
        QueueUrl=source,
        MessageBody=body,
        MessageGroupId="operator",
        MessageDeduplicationId=uuid.uuid4().hex,
    )
    deadline = time.monotonic() + 90
    moved: list[dict[str, Any]] = []
    while not moved and time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        moved = [m for m in answer.get("Messages", []) if m["Body"] == body]
    assert moved, "the unreadable webhook never reached payment-webhooks-dlq.fifo"


def test_user_events_has_exactly_its_two_queue_subscribers(fitness: EnvRun, aws: Any) -> None:
    sns = aws("sns")
    arn = next(
        t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":user-events")
    )
    subscribers = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert sorted((s["Protocol"], s["Endpoint"].rsplit(":", 1)[1]) for s in subscribers) == [
        ("sqs", "analytics-events"),
        ("sqs", "email-notifications"),
    ]


def test_video_primaries_never_expire_and_the_analytics_export_does(
    fitness: EnvRun, aws: Any
) -> None:
    """The seed's "Replicas: delete after 1 year" is about the cross-region copies."""
    s3 = aws("s3")
    videos = s3.get_bucket_lifecycle_configuration(Bucket="fitness-platform-videos")["Rules"]
    expiring = {"Expiration", "NoncurrentVersionExpiration"}
    assert [sorted(expiring & set(rule)) for rule in videos] == [[]]
    analytics = s3.get_bucket_lifecycle_configuration(Bucket="fitness-platform-analytics")
    assert [r["Expiration"] for r in analytics["Rules"]] == [{"Days": 730}]


def test_content_events_delivers_over_http_to_the_content_service(
    fitness: EnvRun, aws: Any
) -> None:
    sns = aws("sns")
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    arn = next(a for a in topics if a.endswith(":content-events"))
    subscribers = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscribers] == [
        ("http", "http://content:8080/content/search-index")
    ]


def _received(sqs: Any, queue: str, marker: str, seconds: float = 90) -> list[str]:
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    deadline = time.monotonic() + seconds
    found: list[str] = []
    while not found and time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        found = [m["Body"] for m in answer.get("Messages", []) if marker in m["Body"]]
    return found


def test_a_message_on_its_queue_runs_a_function_that_leaves_it_done(
    fitness: EnvRun, aws: Any
) -> None:
    """SQS: ai_recommendation takes a job from health-sync-jobs and deletes it once handled."""
    sqs = aws("sqs")
    user = 900_000 + uuid.uuid4().int % 99_999
    jobs = sqs.get_queue_url(QueueName="health-sync-jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=jobs, MessageBody=json.dumps({"user_id": user}))
    (body,) = _received(sqs, "ai-recommendations", f'"user_id": {user},')
    assert json.loads(body)["user_id"] == user

    def in_flight() -> int:
        counts = sqs.get_queue_attributes(QueueUrl=jobs, AttributeNames=["All"])["Attributes"]
        return int(counts["ApproximateNumberOfMessagesNotVisible"])

    deadline = time.monotonic() + 30
    while in_flight() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert in_flight() == 0, "the handled job was left on health-sync-jobs"


def test_a_new_object_under_the_prefix_runs_a_function_and_one_elsewhere_does_not(
    fitness: EnvRun, aws: Any
) -> None:
    """S3: a bucket notification through greenroom's queue, with S3's own event records."""
    s3 = aws("s3")
    bucket, name = "fitness-platform-videos", f"op-{uuid.uuid4().hex[:8]}"
    s3.put_object(Bucket=bucket, Key=f"elsewhere/{name}.mp4", Body=b"not an upload")
    s3.put_object(Bucket=bucket, Key=f"uploads/{name}.mp4", Body=b"an upload")
    deadline, keys = time.monotonic() + 90, []
    while not keys and time.monotonic() < deadline:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"jobs/{name}")
        keys = [o["Key"] for o in listed.get("Contents", [])]
        time.sleep(0.5)
    assert keys == [f"jobs/{name}.mp4.json"]
    job = json.loads(s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read())
    assert job["input"] == f"s3://{bucket}/uploads/{name}.mp4"


def test_a_function_runs_by_hand_on_an_event_and_its_failure_is_reported(
    fitness: EnvRun, aws: Any
) -> None:
    """Invoke: `greenroom invoke`, as `aws lambda invoke`; the lines reach CloudWatch Logs."""
    done = fitness.example.run("invoke", fitness.name, "encode-video", "--event", '{"Records": []}')
    assert json.loads(done.stdout) == {"jobs": 0}
    failed = fitness.example.run("invoke", fitness.name, "encode-video", check=False)
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["errorType"] == "KeyError"
    events = aws("logs").filter_log_events(logGroupName="/aws/lambda/encode-video")["events"]
    assert any(e["message"].startswith("START RequestId: ") for e in events)
    assert any("KeyError" in e["message"] for e in events)
