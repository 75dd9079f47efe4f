"""Helpers for the app's integration tests: HTTP, polling, containers, the app's processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import nats
import psycopg
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from greenroom.images.catalog import image_ref

APP_DIR = Path(__file__).resolve().parents[3] / "app"
READY_TIMEOUT = 90.0


def wait_for(what: str, probe: Callable[[], Any], timeout: float = READY_TIMEOUT) -> Any:
    """Poll ``probe`` until it returns a truthy value without raising; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = probe()
            if result:
                return result
        except Exception as exc:
            last = exc
        time.sleep(0.25)
    pytest.fail(f"{what} did not happen within {timeout:.0f}s (last error: {last!r})")


def http(method: str, url: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
    """One HTTP call with the standard library; returns status, headers and decoded body."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            raw, status, headers = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        raw, status, headers = exc.read(), exc.code, dict(exc.headers)
    text = raw.decode()
    try:
        return status, headers, json.loads(text)
    except json.JSONDecodeError:
        return status, headers, text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Container:
    id: str

    def port(self, container_port: int) -> int:
        out = subprocess.run(
            ["docker", "port", self.id, f"{container_port}/tcp"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return int(out.splitlines()[0].rsplit(":", 1)[1])

    def docker(self, verb: str) -> None:
        subprocess.run(["docker", verb, self.id], capture_output=True, check=True)

    def logs(self) -> str:
        out = subprocess.run(
            ["docker", "logs", "--tail", "30", self.id], capture_output=True, text=True, check=False
        )
        return out.stdout + out.stderr


def require_images(names: list[str]) -> None:
    missing = [
        image_ref(n)
        for n in names
        if subprocess.run(
            ["docker", "image", "inspect", image_ref(n)], capture_output=True, check=False
        ).returncode
        != 0
    ]
    if not missing:
        return
    message = f"images not built yet: {', '.join(missing)} (make them with `inv images`)"
    if os.environ.get("GREENROOM_REQUIRE_ENGINE") or os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Stack:
    """Where the backing services listen on the host, and the credentials they were given."""

    uid: str
    pg_port: int
    pg_password: str
    redis_port: int
    redis_password: str
    nats_port: int
    aws_endpoint: str
    containers: dict[str, Container] = field(default_factory=dict)

    def pg(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.pg_port,
            user="orders",
            dbname="orders",
            password=self.pg_password,
            autocommit=True,
        )

    def aws(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.aws_endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


async def nats_ping(port: int) -> bool:
    nc = await nats.connect(f"nats://127.0.0.1:{port}", connect_timeout=2, max_reconnect_attempts=0)
    await nc.close()
    return True


@dataclass
class Names:
    """Cloud and bus resource names unique to one run."""

    stream: str
    subject: str
    durable: str
    bucket: str
    topic: str
    topic_arn: str
    queue_url: str


async def provision_nats(port: int, names: Names) -> None:
    nc = await nats.connect(f"nats://127.0.0.1:{port}")
    js = nc.jetstream()
    # A one-second de-duplication window lets a test re-send a message id soon after.
    await js.add_stream(
        StreamConfig(name=names.stream, subjects=[names.subject], duplicate_window=1.0)
    )
    await js.add_consumer(
        names.stream,
        ConsumerConfig(
            durable_name=names.durable,
            ack_policy=AckPolicy.EXPLICIT,
            filter_subject=names.subject,
            ack_wait=30,
        ),
    )
    await nc.close()


@dataclass
class Role:
    """One ``python -m orders ROLE`` process on the host, its JSON log lines in a file."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_lines(self) -> list[dict[str, Any]]:
        lines = self.log_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def log_text(self) -> str:
        return self.log_path.read_text()

    def terminate(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"{self.name} ignored SIGTERM for {timeout:.0f}s")


RoleFactory = Callable[..., Role]


def run_migrate(app_env: dict[str, str], count: int = 1) -> list[subprocess.CompletedProcess[str]]:
    """``count`` migrate processes started together, so they race for the advisory lock."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "orders", "migrate"],
            env=app_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, ""))
    return results


def metric(role: Role, name: str, labels: str = "") -> float:
    """A sample's value from a role's /metrics, 0 when absent."""
    _, _, text = http("GET", f"{role.url}/metrics")
    wanted = f"{name}{{{labels}}}" if labels else name
    for line in str(text).splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
