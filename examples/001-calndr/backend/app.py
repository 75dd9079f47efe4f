"""Calndr's backend as the ECS task runs it: events in PostgreSQL, a Redis cache, SSM and S3.

Connections come from the task's environment: PG* and PGPASSWORD_FILE, REDIS_URL (and
REDIS_PASSWORD_FILE where Redis has auth), AWS_ENDPOINT_URL and the names of its bucket, log
group, parameters and alerts topic, PLACES_URL (Google Places) and SMTP_HOST/SMTP_PORT (SES).
"""

from __future__ import annotations

import json
import os
import smtplib
import time
import urllib.parse
import urllib.request
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import psycopg
import redis

CACHE_KEY = "calndr:events:count"


def _secret(variable: str) -> str | None:
    path = os.environ.get(f"{variable}_FILE")
    return Path(path).read_text().strip() if path else os.environ.get(variable)


def database() -> psycopg.Connection:
    return psycopg.connect(password=_secret("PGPASSWORD"), connect_timeout=5, autocommit=True)


def cache() -> redis.Redis:
    return redis.Redis.from_url(
        os.environ["REDIS_URL"], password=_secret("REDIS_PASSWORD"), socket_timeout=5
    )


def migrate() -> None:
    """The events table; an advisory lock keeps two tasks starting together from racing."""
    for _ in range(30):
        try:
            with database() as conn:
                conn.execute("SELECT pg_advisory_lock(13)")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS events ("
                    " id serial PRIMARY KEY, title text NOT NULL,"
                    " created_at timestamptz NOT NULL DEFAULT now())"
                )
                conn.execute("SELECT pg_advisory_unlock(13)")
            return
        except psycopg.OperationalError:
            time.sleep(1)
    raise SystemExit("PostgreSQL did not answer within 30 s")


def configuration() -> dict[str, object]:
    """What the task reads from the shared AWS services; never a secret's value."""
    prefix = os.environ["PARAMETER_PREFIX"]
    ssm, s3 = boto3.client("ssm"), boto3.client("s3")
    names = [p["Name"] for p in ssm.get_parameters_by_path(Path=prefix)["Parameters"]]
    s3.head_bucket(Bucket=os.environ["ASSETS_BUCKET"])
    found: dict[str, object] = {"parameters": sorted(names), "assets_bucket": True}
    topic = os.environ.get("ALERTS_TOPIC")
    if topic:
        arns = [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]]
        found["alerts_topic"] = next((a for a in arns if a.endswith(f":{topic}")), None)
    return found


def places(query: str) -> object:
    """A text search on Google Places with the key the task reads from SSM."""
    name = f"{os.environ['PARAMETER_PREFIX']}/google-places-api-key"
    key = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    url = f"{os.environ['PLACES_URL']}/maps/api/place/textsearch/json?" + urllib.parse.urlencode(
        {"query": query, "key": key}
    )
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())["results"]


def invite(address: str, title: str) -> None:
    """The invitation mail, through SES's SMTP interface."""
    message = EmailMessage()
    message["From"], message["To"] = os.environ["MAIL_FROM"], address
    message["Subject"] = f"You are invited: {title}"
    message.set_content(f"{title} is on your Calndr.")
    with smtplib.SMTP(os.environ["SMTP_HOST"], int(os.environ["SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(message)


class Handler(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        try:
            if self.path == "/health":
                with database() as conn:
                    conn.execute("SELECT 1")
                cache().ping()
                self._answer(200, {"status": "ok"})
            elif self.path == "/api/events":
                with database() as conn:
                    rows = conn.execute("SELECT id, title FROM events ORDER BY id").fetchall()
                cached = cache().get(CACHE_KEY)
                self._answer(
                    200,
                    {
                        "events": [{"id": i, "title": t} for i, t in rows],
                        "cached_count": int(cached) if cached is not None else None,
                    },
                )
            elif self.path == "/api/config":
                self._answer(200, configuration())
            elif self.path.startswith("/api/places?"):
                query = urllib.parse.parse_qs(self.path.partition("?")[2]).get("query", [""])[0]
                self._answer(200, {"results": places(query)})
            else:
                self._answer(404, {"error": f"no route {self.path}"})
        except Exception as exc:  # an unhealthy dependency is a 503 with its reason
            self._answer(503, {"error": f"{type(exc).__name__}: {exc}"})

    def do_POST(self) -> None:
        if self.path != "/api/events":
            self._answer(404, {"error": f"no route {self.path}"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        title = str(body.get("title", "")).strip()
        if not title:
            self._answer(400, {"error": "an event needs a title"})
            return
        with database() as conn:
            (event_id,) = conn.execute(
                "INSERT INTO events (title) VALUES (%s) RETURNING id", (title,)
            ).fetchone()
            (count,) = conn.execute("SELECT count(*) FROM events").fetchone()
        cache().set(CACHE_KEY, count)
        for address in body.get("invite", []):
            invite(str(address), title)
        self._answer(201, {"id": event_id, "title": title})

    def log_message(self, format: str, *args: object) -> None:
        print(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}", flush=True)


if __name__ == "__main__":
    migrate()
    port = int(os.environ.get("PORT", "8000"))
    print(f"calndr backend on :{port}", flush=True)
    ThreadingHTTPServer(("", port), Handler).serve_forever()
