"""Astra+'s own smoke tests: the frontend shows what the backend stores, and each environment's
rules from the seed's architecture hold on the replica.

`SEED` is what the seed draws per environment: which parts sit behind a load balancer of their own
(dev: frontend, backend and Postgres; stage: the frontend; prod: the ingress in front of the
frontend), where the page is served from, and whether the Postgres exporter runs (prod only).
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

SEED: dict[str, dict[str, Any]] = {
    "dev": {
        "published": {"frontend", "backend", "postgres"},
        "front": "frontend",
        "exporter": False,
    },
    "stage": {"published": {"frontend"}, "front": "frontend", "exporter": False},
    "prod": {"published": {"ingress"}, "front": "ingress", "exporter": True},
}


def http(method: str, url: str, body: Any = None) -> tuple[int, str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture(scope="session")
def seed(greenroom_env: Any) -> dict[str, Any]:
    if greenroom_env.name not in SEED:
        pytest.fail(f"the seed describes dev, stage and prod, not {greenroom_env.name}")
    return SEED[greenroom_env.name]


def test_the_page_shows_what_the_backend_stores_in_postgres(
    service_urls: dict[str, str], pg_conn: Any, seed: dict[str, Any]
) -> None:
    title = f"smoke {uuid.uuid4().hex[:8]}"
    status, body = http("POST", f"{service_urls['backend']}/api/items", {"title": title})
    assert status == 201, body
    stored = pg_conn.execute(
        "SELECT title FROM catalog_item WHERE id = %s", (json.loads(body)["id"],)
    )
    assert stored.fetchone() == (title,)
    status, page = http("GET", service_urls[seed["front"]] + "/")
    assert status == 200 and f"<li>{title}</li>" in page, page[:500]


def test_prometheus_scrapes_frontend_backend_and_in_prod_the_exporter(
    prometheus_url: str, seed: dict[str, Any]
) -> None:
    with urllib.request.urlopen(f"{prometheus_url}/api/v1/targets", timeout=5) as answer:
        targets = json.loads(answer.read())["data"]["activeTargets"]
    up = {t["labels"]["job"] for t in targets if t["health"] == "up"}
    assert {"frontend", "backend"} <= up, targets
    assert ("postgres-exporter" in up) == seed["exporter"]
    scraped = {t["labels"]["job"] for t in targets}
    assert ("postgres-exporter" in scraped) == seed["exporter"]


def _outward_address() -> str | None:
    """The host's address on its default route: what another machine would connect to."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        address: str = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def test_only_the_seeds_load_balancers_are_reachable_from_outside(
    greenroom_target: Any, service_urls: dict[str, str], pg_conn: Any, seed: dict[str, Any]
) -> None:
    if greenroom_target.kind != "replica":
        pytest.skip("a deployed environment's load balancers are checked by its own cloud")
    outward = _outward_address()
    if outward is None:
        pytest.skip("this host has no address besides loopback")
    ports = {name: urlsplit(url).port for name, url in service_urls.items()}
    ports["postgres"] = pg_conn.info.port
    reachable = {name for name, port in ports.items() if port and _answers(outward, port)}
    assert reachable == seed["published"]
