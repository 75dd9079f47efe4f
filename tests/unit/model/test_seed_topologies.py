"""The model can say what five real systems' topologies say (tests/fixtures/envs/seeds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenroom.components.aws.spec import Aws
from greenroom.components.nats.spec import Nats
from greenroom.components.postgres.spec import Postgres
from greenroom.components.redis import Redis
from greenroom.model import Environment, available_environments, load_from_dir

SEEDS = Path(__file__).parents[2] / "fixtures" / "envs" / "seeds" / "envs"


def load(name: str) -> Environment:
    return load_from_dir(SEEDS, name, environ={})


@pytest.mark.parametrize("name", available_environments(SEEDS))
def test_every_seed_environment_is_valid(name: str) -> None:
    assert set(load(name).zones) == {"edge", "app", "data", "ops"}


def test_staging_and_production_differ_only_where_declared() -> None:
    stage, prod = load("calndr-stage"), load("calndr-prod")
    redis, postgres = prod.components["redis"], prod.components["postgres"]
    assert isinstance(redis, Redis) and redis.auth
    assert isinstance(postgres, Postgres) and postgres.read_replica
    assert stage.services["backend"].port == prod.services["backend"].port == 8000
    assert prod.promotion.from_env == "calndr-stage"


def test_dev_publishes_everything_and_stage_only_the_frontend() -> None:
    dev, stage = load("astra-dev"), load("astra-stage")
    assert dev.exposure.publish == "all"
    assert (stage.exposure.publish, stage.exposure.services) == ("listed", ["frontend"])
    assert {s.zone for s in dev.services.values()} == {"app", "ops"}


def test_queues_topics_and_fifo_dead_letters_of_a_large_aws_estate() -> None:
    aws = load("fitness-prod").components["aws"]
    assert isinstance(aws, Aws)
    fifo = next(q for q in aws.queues if q.fifo and q.dead_letter)
    assert fifo.dead_letter is not None and fifo.dead_letter.queue.endswith(".fifo")
    assert sum(len(t.subscriptions) for t in aws.topics) == 3


def test_jetstream_consumers_zones_and_drills() -> None:
    env = load("rin-stage")
    nats = env.components["nats"]
    assert isinstance(nats, Nats) and len(nats.streams[0].consumers) == 2
    assert env.backup.restore_drill == "monthly" and env.promotion.requires[0] == "contract"
    assert load("marketplace-prod").secrets["db-password"].aws == "marketplace/prod/db"
