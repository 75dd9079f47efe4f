"""Calndr's own smoke tests: the ALB path to the backend, and the seed's production/staging rules.

`SEED` is the "key differences: production vs staging" list of the architecture, as what each
environment must show live; the same tests run against every environment.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

import pytest
import redis

SEED: dict[str, dict[str, bool]] = {
    "stage": {"redis_auth": False, "read_replica": False, "alerts_topic": False},
    "prod": {"redis_auth": True, "read_replica": True, "alerts_topic": True},
}
ALERTS_TOPIC = "calndr-alerts"


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@pytest.fixture(scope="session")
def seed(greenroom_env: Any) -> dict[str, bool]:
    if greenroom_env.name not in SEED:
        pytest.fail(f"the seed describes stage and prod, not {greenroom_env.name}")
    return SEED[greenroom_env.name]


def test_the_load_balancer_reaches_a_healthy_backend(api_url: str) -> None:
    assert http("GET", f"{api_url}/health") == (200, {"status": "ok"})


def test_an_event_is_stored_in_postgres_and_counted_in_redis(api_url: str, pg_conn: Any) -> None:
    title = f"smoke {uuid.uuid4().hex[:8]}"
    status, created = http("POST", f"{api_url}/api/events", {"title": title})
    assert status == 201, created
    row = pg_conn.execute("SELECT title FROM events WHERE id = %s", (created["id"],)).fetchone()
    assert row == (title,)
    status, listed = http("GET", f"{api_url}/api/events")
    assert status == 200 and {"id": created["id"], "title": title} in listed["events"]
    assert listed["cached_count"] >= 1


def test_the_backend_reads_its_own_parameters_and_assets_bucket(
    api_url: str, greenroom_env: Any
) -> None:
    status, config = http("GET", f"{api_url}/api/config")
    assert status == 200, config
    prefix = greenroom_env.services["backend"].env["PARAMETER_PREFIX"]
    assert config["parameters"] == [f"{prefix}/google-places-api-key"]
    assert config["assets_bucket"] is True


def test_places_are_searched_with_the_key_the_task_reads_from_ssm(
    api_url: str, service_urls: dict[str, str], ssm_client: Any, greenroom_env: Any
) -> None:
    query = f"coffee {uuid.uuid4().hex[:6]}"
    status, found = http("GET", f"{api_url}/api/places?" + urllib.parse.urlencode({"query": query}))
    assert status == 200, found
    assert found["results"][0]["place_id"] == "replica-place-1"
    prefix = greenroom_env.services["backend"].env["PARAMETER_PREFIX"]
    parameter = ssm_client.get_parameter(
        Name=f"{prefix}/google-places-api-key", WithDecryption=True
    )
    _, received = http("GET", f"{service_urls['places']}/__stub/requests")
    sent = [
        urllib.parse.parse_qs(urllib.parse.urlsplit(r["path"]).query)
        for r in received
        if r["path"].startswith("/maps/api/place/textsearch/json?")
    ]
    assert {"query": [query], "key": [parameter["Parameter"]["Value"]]} in sent


def test_an_invitation_is_mailed_through_ses(api_url: str, service_urls: dict[str, str]) -> None:
    title, guest = f"dinner {uuid.uuid4().hex[:8]}", f"guest-{uuid.uuid4().hex[:6]}@example.com"
    status, created = http("POST", f"{api_url}/api/events", {"title": title, "invite": [guest]})
    assert status == 201, created
    _, messages = http("GET", f"{service_urls['ses']}/messages")
    (mail,) = [m for m in messages if m["to"] == [guest]]
    assert (mail["from"], mail["subject"]) == ("no-reply@calndr.club", f"You are invited: {title}")


def test_redis_asks_for_a_password_only_where_the_seed_enables_auth(
    redis_client: Any, seed: dict[str, bool]
) -> None:
    assert redis_client.ping()
    where = redis_client.connection_pool.connection_kwargs
    anonymous = redis.Redis(host=where["host"], port=where["port"], socket_timeout=5)
    try:
        if seed["redis_auth"]:
            with pytest.raises(redis.AuthenticationError):
                anonymous.ping()
        else:
            assert anonymous.ping(), "Redis refused a client without a password"
    finally:
        anonymous.close()


def test_a_read_replica_streams_from_the_primary_only_in_production(
    pg_conn: Any, seed: dict[str, bool]
) -> None:
    states = [
        state for (state,) in pg_conn.execute("SELECT state FROM pg_stat_replication").fetchall()
    ]
    assert states == (["streaming"] if seed["read_replica"] else [])


def test_email_alerts_have_their_topic_only_in_production(
    sns_client: Any, seed: dict[str, bool], api_url: str
) -> None:
    arns = [t["TopicArn"] for t in sns_client.list_topics()["Topics"]]
    found = [arn for arn in arns if arn.endswith(f":{ALERTS_TOPIC}")]
    assert bool(found) == seed["alerts_topic"]
    if seed["alerts_topic"]:
        assert http("GET", f"{api_url}/api/config")[1]["alerts_topic"] == found[0]
        subscribers = sns_client.list_subscriptions_by_topic(TopicArn=found[0])["Subscriptions"]
        assert {s["Protocol"] for s in subscribers} == {"email"}
