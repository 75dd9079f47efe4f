"""The model can say what five real systems' topologies say: the example projects (examples/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenroom.components.aws.spec import Aws
from greenroom.components.nats.spec import Nats
from greenroom.components.postgres.spec import Postgres
from greenroom.components.redis import Redis
from greenroom.model import Environment, available_environments, load_from_dir
from greenroom.render.diff import diff

EXAMPLES = Path(__file__).parents[3] / "examples"
FOLDERS = sorted(EXAMPLES.glob("*/envs"))
EVERY = [
    pytest.param(folder, name, id=f"{folder.parent.name}/{name}")
    for folder in FOLDERS
    for name in available_environments(folder)
]


def load(name: str, folder: Path) -> Environment:
    return load_from_dir(folder, name, environ={})


def example(folder: str, name: str) -> Environment:
    return load(name, EXAMPLES / folder / "envs")


@pytest.mark.parametrize(("folder", "name"), EVERY)
def test_every_seed_environment_is_valid(folder: Path, name: str) -> None:
    assert set(load(name, folder).zones) == {"edge", "app", "data", "ops"}


@pytest.mark.parametrize(
    ("folder", "a", "b"),
    [
        ("000-marketplace", "dev", "stage"),
        ("000-marketplace", "stage", "prod"),
        ("001-calndr", "stage", "prod"),
        ("002-astra", "dev", "stage"),
        ("002-astra", "stage", "prod"),
        ("003-fitness", "dev", "stage"),
        ("003-fitness", "stage", "prod"),
    ],
)
def test_an_examples_environments_differ_only_where_declared(folder: str, a: str, b: str) -> None:
    differences = diff(example(folder, a), example(folder, b))
    assert differences and [d.path for d in differences if not d.intended] == []


def test_staging_and_production_differ_only_where_declared() -> None:
    stage, prod = example("001-calndr", "stage"), example("001-calndr", "prod")
    redis, postgres = prod.components["redis"], prod.components["postgres"]
    assert isinstance(redis, Redis) and redis.auth
    assert isinstance(postgres, Postgres) and postgres.read_replica
    assert stage.services["backend"].port == prod.services["backend"].port == 8000
    assert prod.promotion.from_env == "stage"
    aws = prod.components["aws"]
    assert isinstance(aws, Aws) and [t.name for t in aws.topics] == ["calndr-alerts"]
    assert "components.redis.auth" in prod.intended_differences


def test_dev_publishes_its_three_load_balancers_and_stage_only_the_frontend() -> None:
    dev, stage = example("002-astra", "dev"), example("002-astra", "stage")
    assert (dev.exposure.publish, dev.exposure.services) == (
        "listed",
        ["frontend", "backend", "postgres"],
    )
    assert (stage.exposure.publish, stage.exposure.services) == ("listed", ["frontend"])
    assert "postgres-exporter" not in dev.components | stage.components
    assert "postgres-exporter" in example("002-astra", "prod").components


def test_queues_topics_buckets_and_log_groups_of_a_large_aws_estate() -> None:
    aws = example("003-fitness", "prod").components["aws"]
    assert isinstance(aws, Aws)
    fifo = next(q for q in aws.queues if q.fifo and q.dead_letter)
    assert fifo.dead_letter is not None and fifo.dead_letter.queue.endswith(".fifo")
    assert (fifo.name, fifo.dead_letter.max_receives) == ("payment-webhooks.fifo", 3)
    user_events = next(t for t in aws.topics if t.name == "user-events")
    assert {s.queue for s in user_events.subscriptions} == {
        "email-notifications",
        "analytics-events",
    }
    videos = next(b for b in aws.buckets if b.name == "fitness-platform-videos")
    assert videos.versioning and [r.expire_days for r in videos.lifecycle] == [None]
    assert [(t.days, t.storage_class) for t in videos.lifecycle[0].transitions] == [(90, "GLACIER")]
    assert {g.name: g.retention_days for g in aws.log_groups}["/aws/ecs/payment-service"] == 180


def test_jetstream_consumers_zones_and_drills() -> None:
    stage, prod = example("004-rin", "stage"), example("004-rin", "prod")
    nats = stage.components["nats"]
    assert isinstance(nats, Nats) and len(nats.streams[0].consumers) == 2 and nats.auth
    assert stage.backup.restore_drill == "monthly" and stage.promotion.requires == ["contract"]
    assert (prod.rollout.strategy, prod.rollout.auto_rollback) == ("canary", True)
    assert prod.promotion.requires == ["contract", "smoke", "replay"] and prod.promotion.approval
    assert set(prod.replay.consumers) == {"search", "ranking"}


def test_each_marketplace_environment_deploys_from_its_branch_with_its_slo() -> None:
    dev, stage, prod = (example("000-marketplace", name) for name in ("dev", "stage", "prod"))
    assert (dev.promotion.branches, stage.promotion.branches) == (["develop"], ["release/*"])
    assert (prod.promotion.tags, prod.promotion.signed_tags, prod.promotion.from_env) == (
        "v*.*.*",
        True,
        "stage",
    )
    assert (stage.slo.error_rate_percent, prod.slo.error_rate_percent) == (5, 1)
    assert {prod.components["payments"].kind, prod.components["mail"].kind} == {
        "http-stub",
        "smtp-sink",
    }
