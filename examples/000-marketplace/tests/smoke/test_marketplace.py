"""The marketplace's own smoke tests: an order through every hop (ASGI, payments API, PostgreSQL,
SMTP, Redis, the Celery worker, the media bucket), and the seed's per-environment flags."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

SEED: dict[str, dict[str, bool]] = {
    "dev": {"debug": True, "feature_flags": True},
    "stage": {"debug": False, "feature_flags": False},
    "prod": {"debug": False, "feature_flags": False},
}
RECEIPT_DEADLINE = 30.0


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.fixture(scope="session")
def seed(greenroom_env: Any) -> dict[str, bool]:
    if greenroom_env.name not in SEED:
        pytest.fail(f"the seed describes dev, stage and prod, not {greenroom_env.name}")
    return SEED[greenroom_env.name]


@pytest.fixture(scope="module")
def placed(api_url: str) -> dict[str, Any]:
    """One order placed through the front door, with what was sent."""
    sent = {
        "item": f"lamp {uuid.uuid4().hex[:8]}",
        "amount_cents": 1999,
        "email": f"buyer-{uuid.uuid4().hex[:6]}@example.com",
    }
    status, answer = http("POST", f"{api_url}/api/orders", sent)
    assert status == 201, answer
    return {**sent, **answer}


def test_the_order_is_charged_through_the_payments_api(
    placed: dict[str, Any], service_urls: dict[str, str]
) -> None:
    _, received = http("GET", f"{service_urls['payments']}/__stub/requests")
    (call,) = [
        r for r in received if r["headers"].get("Idempotency-Key") == f"order-{placed['id']}"
    ]
    assert (call["method"], call["path"]) == ("POST", "/v1/charges")
    assert call["body"]["amount"] == placed["amount_cents"]
    assert call["headers"]["Authorization"].startswith("Bearer ") and len(
        call["headers"]["Authorization"]
    ) > len("Bearer ")
    assert placed["charge_id"] == "ch_replica"


def test_the_buyer_is_mailed_through_the_smtp_provider(
    placed: dict[str, Any], service_urls: dict[str, str]
) -> None:
    _, messages = http("GET", f"{service_urls['mail']}/messages")
    (mail,) = [m for m in messages if m["to"] == [placed["email"]]]
    assert mail["subject"] == f"Order {placed['id']} confirmed"
    assert placed["item"] in mail["text"]


def test_the_worker_writes_the_receipt_to_the_media_bucket(
    placed: dict[str, Any], api_url: str, s3_client: Any, greenroom_env: Any
) -> None:
    deadline = time.monotonic() + RECEIPT_DEADLINE
    order: Any = {}
    while time.monotonic() < deadline:
        _, order = http("GET", f"{api_url}/api/orders/{placed['id']}")
        if order.get("status") == "receipted":
            break
        time.sleep(0.5)
    assert order.get("status") == "receipted", f"no receipt after {RECEIPT_DEADLINE:.0f} s: {order}"
    bucket = greenroom_env.services["web"].env["MEDIA_BUCKET"]
    body = s3_client.get_object(Bucket=bucket, Key=order["receipt_key"])["Body"].read()
    assert json.loads(body) == {
        "order": placed["id"],
        "item": placed["item"],
        "amount_cents": placed["amount_cents"],
        "charge": placed["charge_id"],
    }


def test_debug_logging_and_feature_flags_only_in_dev(api_url: str, seed: dict[str, bool]) -> None:
    status, meta = http("GET", f"{api_url}/api/meta")
    assert status == 200, meta
    assert meta["debug"] == seed["debug"]
    assert bool(meta["feature_flags"]) == seed["feature_flags"]
