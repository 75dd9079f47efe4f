"""A tiny JSON-over-HTTP server on :8080 (the seed's container port), shared by every service.

Connections come from the task's environment: PG* and PGPASSWORD_FILE, REDIS_URL, and
AWS_ENDPOINT_URL with the names of the queues, topics and buckets each service uses.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import psycopg
import redis

Handler = Callable[[str, str, Any], tuple[int, Any]]
"""(method, path, JSON body or raw bytes) -> (status, JSON answer)."""


def secret(variable: str) -> str | None:
    path = os.environ.get(f"{variable}_FILE")
    return Path(path).read_text().strip() if path else os.environ.get(variable)


def database() -> psycopg.Connection[Any]:
    return psycopg.connect(password=secret("PGPASSWORD"), connect_timeout=5, autocommit=True)


@cache
def cache_client() -> redis.Redis:
    return redis.Redis.from_url(
        os.environ["REDIS_URL"], password=secret("REDIS_PASSWORD"), socket_timeout=5
    )


@cache
def aws(service: str) -> Any:
    return boto3.client(service)


def topic_arn(name: str) -> str:
    arns = [t["TopicArn"] for t in aws("sns").list_topics()["Topics"]]
    return next(a for a in arns if a.endswith(f":{name}"))


def queue_url(name: str) -> str:
    return str(aws("sqs").get_queue_url(QueueName=name)["QueueUrl"])


SCHEMA = (
    "CREATE TABLE IF NOT EXISTS users (id serial PRIMARY KEY, email text UNIQUE NOT NULL,"
    " created_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS workouts (id serial PRIMARY KEY, user_id int NOT NULL,"
    " minutes int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS payments (payment_id text PRIMARY KEY, provider text NOT NULL,"
    " amount numeric NOT NULL, received_at timestamptz NOT NULL DEFAULT now())",
)


def migrate() -> None:
    """The platform's tables; an advisory lock keeps tasks starting together from racing."""
    for _ in range(30):
        try:
            with database() as conn:
                conn.execute("SELECT pg_advisory_lock(3)")
                for statement in SCHEMA:
                    conn.execute(statement)
                conn.execute("SELECT pg_advisory_unlock(3)")
            return
        except psycopg.OperationalError:
            time.sleep(1)
    raise SystemExit("PostgreSQL did not answer within 30 s")


def serve(name: str, prefix: str, handle: Handler) -> None:
    """Answer `/health` and `<prefix>/health` (the ALB's check), and pass the rest to `handle`."""

    class Request(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            if path in ("/health", f"{prefix}/health"):
                status, body = 200, {"status": "ok", "service": name}
            else:
                try:
                    is_json = "json" in (self.headers.get("Content-Type") or "")
                    status, body = handle(method, path, json.loads(raw) if is_json and raw else raw)
                except Exception as exc:
                    status, body = 500, {"error": f"{type(exc).__name__}: {exc}"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_PUT(self) -> None:
            self._answer("PUT")

        def log_message(self, format: str, *args: Any) -> None:
            if "/health" not in self.path:
                super().log_message(format, *args)

    ThreadingHTTPServer(("0.0.0.0", 8080), Request).serve_forever()
