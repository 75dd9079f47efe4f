"""health_sync_lambda: every day at 05:00 UTC, one health-sync job per user on health-sync-jobs
(read from PostgreSQL), for ai_recommendation to pick up."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3
import psycopg


def _password() -> str:
    return Path(os.environ["PGPASSWORD_FILE"]).read_text().strip()


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    with psycopg.connect(password=_password(), connect_timeout=5) as db:
        users = db.execute("SELECT id, email FROM users ORDER BY id").fetchall()
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=os.environ["HEALTH_SYNC_QUEUE"])["QueueUrl"]
    jobs = [
        {"type": "health.sync", "user_id": user_id, "email": email, "at": event.get("time")}
        for user_id, email in users
    ]
    for start in range(0, len(jobs), 10):
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(job)}
            for i, job in enumerate(jobs[start : start + 10])
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    print(f"queued {len(jobs)} health-sync job(s)")
    return {"queued": len(jobs)}
