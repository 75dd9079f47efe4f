"""examples/001-calndr: staging and production come up, pass smoke and network, and differ as the
seed's "key differences: production vs staging" say, seen from the host as an operator would."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import boto3
import pytest
import redis
from seed_examples import EnvRun, bring_up

TEAM_RULES = (
    "test_redis_asks_for_a_password_only_where_the_seed_enables_auth",
    "test_a_read_replica_streams_from_the_primary_only_in_production",
    "test_email_alerts_have_their_topic_only_in_production",
    "test_places_are_searched_with_the_key_the_task_reads_from_ssm",
    "test_an_invitation_is_mailed_through_ses",
)


@pytest.fixture(scope="module", params=["stage", "prod"])
def calndr(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EnvRun]:
    yield from bring_up("001-calndr", request.param, tmp_path_factory.mktemp(request.param))


def test_smoke_passes_with_the_teams_checks_of_the_seed(calndr: EnvRun) -> None:
    assert calndr.smoke.returncode == 0, calndr.smoke.output[-3000:]
    assert {rule: calndr.smoke.verdicts.get(rule) for rule in TEAM_RULES} == dict.fromkeys(
        TEAM_RULES, "passed"
    )


def test_every_declared_network_path_holds(calndr: EnvRun) -> None:
    parity = calndr.network.parity
    assert parity["failed"] == 0, calndr.network.output[-3000:]
    assert calndr.network.published() == {"ingress"}


def test_network_parity_reaches_its_target(calndr: EnvRun) -> None:
    assert calndr.network.returncode == 0, calndr.network.output[-3000:]
    verdicts = {p["property"]: p["verdict"] for p in calndr.network.parity["properties"]}
    # A store may not open a connection to the backend that may reach it: the reach rules inside
    # the backend refuse it, though both are on the store's network.
    assert verdicts["postgres cannot connect to backend:8000"] == "verified"
    assert verdicts["redis cannot connect to backend:8000"] == "verified"


def test_redis_refuses_a_client_without_the_password_in_prod_only(calndr: EnvRun) -> None:
    url = urlsplit(calndr.example.json("env", calndr.name, "--format", "json")["REDIS_URL"])
    anonymous = redis.Redis(host=url.hostname, port=url.port or 6379, socket_timeout=5)
    try:
        if calndr.name == "prod":
            with pytest.raises(redis.AuthenticationError):
                anonymous.ping()
        else:
            assert anonymous.ping()
    finally:
        anonymous.close()


def test_prod_runs_a_read_replica_and_stage_does_not(calndr: EnvRun) -> None:
    status = calndr.example.json("status", calndr.name, "--json")
    running = {s["name"] for s in status["services"] if s["state"] == "running"}
    assert ("postgres-replica" in running) == (calndr.name == "prod")
    assert status["healthy"]


def test_prod_has_the_alerts_topic_with_its_email_subscriber_and_stage_none(calndr: EnvRun) -> None:
    endpoint = calndr.example.json("env", calndr.name, "--format", "json")["AWS_ENDPOINT_URL"]
    sns = boto3.client(
        "sns",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    arns = {
        arn["TopicArn"].rsplit(":", 1)[1]: arn["TopicArn"] for arn in sns.list_topics()["Topics"]
    }
    assert set(arns) == ({"calndr-alerts"} if calndr.name == "prod" else set())
    if calndr.name == "prod":
        subscribers = sns.list_subscriptions_by_topic(TopicArn=arns["calndr-alerts"])
        assert [(s["Protocol"], s["Endpoint"]) for s in subscribers["Subscriptions"]] == [
            ("email", "alerts@calndr.club")
        ]
