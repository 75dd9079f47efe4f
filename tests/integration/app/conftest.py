"""Real Postgres, Redis, NATS and moto containers; the app's roles run on the host against them."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import redis
from orders_harness import (
    APP_DIR,
    Container,
    Names,
    Role,
    RoleFactory,
    Stack,
    free_port,
    http,
    nats_ping,
    provision_nats,
    require_images,
    run_migrate,
    wait_for,
)

from greenroom.images.catalog import image_ref


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Stack:
    """One set of containers on random host ports, removed however the session ends."""
    require_images(["postgres", "redis", "nats", "moto"])
    uid = secrets.token_hex(4)
    pg_password, redis_password = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    specs: dict[str, list[str]] = {
        "postgres": [
            "-e",
            "POSTGRES_USER=orders",
            "-e",
            "POSTGRES_DB=orders",
            "-e",
            f"POSTGRES_PASSWORD={pg_password}",
            "-p",
            "127.0.0.1::5432",
            image_ref("postgres"),
        ],
        "redis": [
            "-p",
            "127.0.0.1::6379",
            image_ref("redis"),
            "redis-server",
            "--requirepass",
            redis_password,
        ],
        "nats": ["-p", "127.0.0.1::4222", image_ref("nats"), "-js"],
        "moto": ["-p", "127.0.0.1::5000", image_ref("moto")],
    }
    containers: dict[str, Container] = {}
    for name, args in specs.items():
        cid = subprocess.run(
            [
                "docker",
                "run",
                "-d",
                "--name",
                f"orders-it-{name}-{uid}",
                "--label",
                "greenroom.test=app",
                *args,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        containers[name] = Container(cid)
        request.addfinalizer(
            lambda cid=cid: subprocess.run(
                ["docker", "rm", "-f", "-v", cid], capture_output=True, check=False
            )
        )
    found = Stack(
        uid=uid,
        pg_port=containers["postgres"].port(5432),
        pg_password=pg_password,
        redis_port=containers["redis"].port(6379),
        redis_password=redis_password,
        nats_port=containers["nats"].port(4222),
        aws_endpoint=f"http://127.0.0.1:{containers['moto'].port(5000)}",
        containers=containers,
    )
    wait_for("postgres accepting connections", lambda: found.pg().close() or True)
    wait_for(
        "redis answering PING",
        lambda: redis.Redis(port=found.redis_port, password=redis_password).ping(),
    )
    wait_for("nats accepting clients", lambda: asyncio.run(nats_ping(found.nats_port)))
    wait_for("moto answering", lambda: found.aws("s3").list_buckets())
    return found


@pytest.fixture(scope="session")
def names(stack: Stack) -> Names:
    """The stream, consumer, bucket, topic and SQS subscriber greenroom would provision."""
    uid = stack.uid
    s3, sns, sqs = stack.aws("s3"), stack.aws("sns"), stack.aws("sqs")
    bucket, topic = f"receipts-{uid}", f"order-events-{uid}"
    s3.create_bucket(Bucket=bucket)
    topic_arn = sns.create_topic(Name=topic)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"order-events-{uid}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    found = Names(
        stream=f"ORDERS_{uid}",
        subject=f"orders.{uid}.created",
        durable=f"worker-{uid}",
        bucket=bucket,
        topic=topic,
        topic_arn=topic_arn,
        queue_url=queue_url,
    )
    asyncio.run(provision_nats(stack.nats_port, found))
    return found


@pytest.fixture(scope="session")
def app_env(stack: Stack, names: Names, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The configuration contract, as greenroom's renderer sets it; passwords in files."""
    secrets_dir = tmp_path_factory.mktemp("secrets")
    (secrets_dir / "pg").write_text(stack.pg_password + "\n")
    (secrets_dir / "redis").write_text(stack.redis_password)
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **keep,
        "PYTHONPATH": str(APP_DIR),
        "PGHOST": "127.0.0.1",
        "PGPORT": str(stack.pg_port),
        "PGUSER": "orders",
        "PGDATABASE": "orders",
        "PGPASSWORD_FILE": str(secrets_dir / "pg"),
        "REDIS_URL": f"redis://127.0.0.1:{stack.redis_port}/0",
        "REDIS_PASSWORD_FILE": str(secrets_dir / "redis"),
        "NATS_URL": f"nats://127.0.0.1:{stack.nats_port}",
        "NATS_STREAM": names.stream,
        "NATS_SUBJECT": names.subject,
        "NATS_DURABLE": names.durable,
        "AWS_ENDPOINT_URL": stack.aws_endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "RECEIPTS_BUCKET": names.bucket,
        "ORDER_EVENTS_TOPIC": names.topic,
        "LOG_LEVEL": "INFO",
        "RATE_LIMIT_PER_MINUTE": "100000",
        "STARTUP_TIMEOUT": "60",
        "SHUTDOWN_TIMEOUT": "20",
    }


@pytest.fixture(scope="session")
def start_role(
    app_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> RoleFactory:
    """Start a role and wait for its /healthz to answer 200; it is stopped at session end."""
    logs = tmp_path_factory.mktemp("logs")

    def start(role: str, **overrides: str) -> Role:
        port = free_port()
        env = {**app_env, "PORT": str(port), "HEALTH_PORT": str(port), **overrides}
        log_path = logs / f"{role}-{port}.log"
        with log_path.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "orders", role],
                env=env,
                cwd=logs,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started = Role(role, proc, log_path, port)
        request.addfinalizer(started.terminate)

        def healthy() -> bool:
            if proc.poll() is not None:
                pytest.fail(f"{role} exited with {proc.returncode}:\n{log_path.read_text()}")
            return http("GET", f"{started.url}/healthz")[0] == 200

        wait_for(f"{role} healthy", healthy)
        return started

    return start


@pytest.fixture(scope="session")
def migrated(app_env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    return run_migrate(app_env, count=2)


@pytest.fixture(scope="session")
def api(migrated: list[subprocess.CompletedProcess[str]], start_role: RoleFactory) -> Role:
    assert all(r.returncode == 0 for r in migrated), [r.stdout for r in migrated]
    return start_role("api")


@pytest.fixture(scope="session")
def worker(migrated: list[subprocess.CompletedProcess[str]], start_role: RoleFactory) -> Role:
    assert all(r.returncode == 0 for r in migrated), [r.stdout for r in migrated]
    return start_role("worker")


@pytest.fixture(scope="session")
def drain_queue(stack: Stack, names: Names) -> Callable[[], list[dict[str, Any]]]:
    """Receive and delete every SNS notification currently in the subscriber queue."""
    sqs = stack.aws("sqs")

    def drain() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            got = sqs.receive_message(
                QueueUrl=names.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            messages = got.get("Messages", [])
            if not messages:
                return found
            for message in messages:
                body = json.loads(message["Body"])
                found.append(json.loads(body["Message"]) if "Message" in body else body)
                sqs.delete_message(QueueUrl=names.queue_url, ReceiptHandle=message["ReceiptHandle"])

    return drain
