"""What `up`, `status` and `env` print works once piped: each connection string `up` prints at
80 columns connects in its own client, `env` feeds a shell, `status --json` parses."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from greenroom.runtime import Replica, down, up

OVERRIDES = [
    "components.aws.emulator=moto",
    "components.redis.auth=true",
    "exposure.port_base=23000",
]
"""Light (moto), with a password in the Redis URL, on ports clear of the session's dev replica."""

SET = [arg for override in OVERRIDES for arg in ("--set", override)]
URL = re.compile(r"\b(?:postgresql|redis|nats|http)://\S+")


@pytest.fixture(scope="module")
def light_dev() -> Iterator[Replica]:
    """A dev replica in a namespace of its own, removed with its volumes at the end."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GREENROOM_NAMESPACE", f"{os.environ['GREENROOM_NAMESPACE']}-pipe")
        replica = up("dev", overrides=OVERRIDES)
        try:
            yield replica
        finally:
            down("dev", volumes=True, yes=True, overrides=OVERRIDES)


def greenroom(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI with its stdout into a pipe, as a script or `| less` sees it, 80 columns."""
    return subprocess.run(
        [sys.executable, "-m", "greenroom", *args, *SET],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "80"},
        stdin=subprocess.DEVNULL,
    )


def s3_buckets(endpoint: str, region: str = "us-east-1", key: str = "test") -> list[str]:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=key,
    )
    return [b["Name"] for b in s3.list_buckets()["Buckets"]]


def nats_version(url: str) -> str:
    import nats

    async def run() -> str:
        nc = await nats.connect(url, connect_timeout=5, allow_reconnect=False)
        try:
            return str(nc.connected_server_version)
        finally:
            await nc.close()

    return asyncio.run(run())


def works(url: str) -> str:
    """Connect with the client of the URL's scheme; what answered."""
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SELECT current_user").fetchone()
        return f"postgres as {row[0] if row else '?'}"
    if url.startswith("redis://"):
        import redis

        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            return f"redis {client.ping()}"
        finally:
            client.close()
    if url.startswith("nats://"):
        return f"nats {nats_version(url)}"
    try:
        return f"aws buckets {s3_buckets(url)}"
    except Exception:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
            return f"http {response.status}"


def test_env_output_feeds_psql_and_boto3(light_dev: Replica) -> None:
    command = " ".join([sys.executable, "-m", "greenroom", "env", "dev", *SET])
    shell = subprocess.run(
        ["bash", "-c", f'eval "$({command})" && psql "$DATABASE_URL" -Atc "select 1"'],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip() == "1"
    variables = json.loads(greenroom("env", "dev", "--format", "json").stdout)
    buckets = s3_buckets(
        variables["AWS_ENDPOINT_URL"], variables["AWS_REGION"], variables["AWS_ACCESS_KEY_ID"]
    )
    assert "shop-receipts" in buckets
    redis_url = variables["REDIS_URL"]
    assert works(redis_url) == "redis True"


def test_every_url_up_prints_at_80_columns_through_a_pipe_works(light_dev: Replica) -> None:
    result = greenroom("up", "dev", "--show-secrets")
    assert result.returncode == 0, result.stderr
    assert "\N{HORIZONTAL ELLIPSIS}" not in result.stdout
    urls = URL.findall(result.stdout)
    schemes = sorted({url.split("://")[0] for url in urls})
    assert schemes == ["http", "nats", "postgresql", "redis"], result.stdout
    answers = {url: works(url) for url in urls}
    assert any(a.startswith("aws buckets") and "shop-receipts" in a for a in answers.values())
    assert any(a == "http 200" for a in answers.values()), answers
    assert "[postgres]" not in result.stdout, "progress goes to stderr"


def test_status_json_lists_every_service(light_dev: Replica) -> None:
    result = greenroom("status", "dev", "--json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    assert (document["env"], document["project"]) == ("dev", light_dev.project)
    assert document["healthy"] is True
    names = {s["name"] for s in document["services"]}
    assert names == {*light_dev.env.components, *light_dev.env.services}
    postgres = next(s for s in document["services"] if s["name"] == "postgres")
    assert postgres["state"] == "running" and postgres["health"] == "healthy"
    assert "****" in postgres["endpoint"]
    assert postgres["image"].startswith("sha256:")


def test_up_json_is_one_document_on_stdout(light_dev: Replica) -> None:
    result = greenroom("up", "dev", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    endpoints = {s["name"]: s["endpoint"] for s in document["services"]}
    assert endpoints["redis"].startswith("redis://:****@127.0.0.1:")
