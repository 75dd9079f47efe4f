"""examples/004-rin: dev and prod come up and pass smoke and network; a write travels the outbox
and JetStream into the search projection; the data zone is never published, the gateway alone is
behind the ingress, service calls carry the service token and are logged, and prod's NATS
refuses a client without its token; on dev the recorded stream replays deterministically. Stage
has prod's topology and is left to the example's own `greenroom up stage` to keep this module's
time down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from seed_examples import EnvRun, bring_up, run_suite

SERVICES = {"gateway", "identity", "contacts", "profile", "disputes", "ranking", "search"}
PUBLISHED = {"dev": {"ingress"} | SERVICES, "prod": {"ingress"}}
TEAM_RULES = (
    "test_a_write_reaches_the_search_projection_through_the_outbox_and_jetstream",
    "test_the_same_outbox_row_published_again_is_dropped_by_jetstream",
    "test_a_contact_reaches_the_ranking_and_the_lake",
    "test_internal_services_refuse_a_call_without_the_service_token",
    "test_no_data_plane_service_is_reachable_from_outside",
)


@pytest.fixture(scope="module", params=["dev", "prod"])
def rin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EnvRun]:
    yield from bring_up("004-rin", request.param, tmp_path_factory.mktemp(request.param))


def _paths(run: EnvRun, source: str) -> set[str]:
    """What ``source`` was seen reaching in the network suite's parity report."""
    return {
        p["property"].split(" connects to ")[1].split(":")[0]
        for p in run.network.parity["properties"]
        if p["property"].startswith(f"{source} connects to ") and p["verdict"] == "verified"
    }


def test_smoke_passes_with_the_teams_checks_of_the_seed(rin: EnvRun) -> None:
    assert rin.smoke.returncode == 0, rin.smoke.output[-3000:]
    assert {rule: rin.smoke.verdicts.get(rule) for rule in TEAM_RULES} == dict.fromkeys(
        TEAM_RULES, "passed"
    )


def test_network_passes_with_every_path_verified_live(rin: EnvRun) -> None:
    assert rin.network.returncode == 0, rin.network.output[-3000:]
    assert rin.network.parity["failed"] == rin.network.parity["not_emulable"] == 0


def test_no_data_plane_service_is_published(rin: EnvRun) -> None:
    assert rin.network.published() == PUBLISHED[rin.name]


def test_the_ingress_routes_to_the_gateway_alone(rin: EnvRun) -> None:
    assert _paths(rin, "ingress") == {"gateway"}
    assert _paths(rin, "gateway") == SERVICES - {"gateway"}


def test_only_the_services_that_own_data_reach_the_data_zone(rin: EnvRun) -> None:
    writers = {"identity", "contacts", "profile", "disputes"}
    assert _paths(rin, "ranking") == {"postgres", "nats", "aws"}
    assert _paths(rin, "search") == {"postgres", "nats"}
    for writer in writers:
        assert _paths(rin, writer) == {"postgres", "nats"}, writer
    assert not _paths(rin, "gateway") & {"postgres", "nats", "aws"}


def test_nats_asks_for_its_token_in_prod_only(rin: EnvRun) -> None:
    verdict = rin.smoke.verdicts.get("test_refused_without_credentials[nats]")
    assert verdict == ("passed" if rin.name == "prod" else "skipped")


def test_calls_through_the_gateway_are_logged_with_their_caller(rin: EnvRun) -> None:
    logs = rin.example.run("logs", rin.name, "--service", "identity")
    assert "POST /v1/owners 201 caller=gateway" in logs.stdout + logs.stderr


def test_a_replay_of_the_recorded_stream_is_deterministic_idempotent_and_survives_a_pause(
    rin: EnvRun,
) -> None:
    if rin.name != "dev":
        pytest.skip("the replay empties what it compares; one environment is enough")
    replay = run_suite(rin.example, "replay", rin.name)
    assert replay.returncode == 0, replay.output[-3000:]
    assert set(replay.verdicts.values()) == {"passed"}, replay.verdicts
