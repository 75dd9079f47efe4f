"""The committed envs/ describe the shop platform as the team agreed, and editors can check them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from greenroom.components.aws.spec import Aws
from greenroom.components.ingress import Ingress
from greenroom.components.nats.spec import Nats
from greenroom.components.postgres.spec import Postgres
from greenroom.components.redis import Redis
from greenroom.model import Environment, load_environment
from greenroom.model.schema import SCHEMA_FILE, schema_text

ROOT = Path(__file__).parents[3]
ENVS = ("dev", "stage", "prod")
CONTRACT = ["NATS_STREAM", "NATS_SUBJECT", "NATS_DURABLE", "RECEIPTS_BUCKET", "ORDER_EVENTS_TOPIC"]
CONTRACT += ["RATE_LIMIT_PER_MINUTE"]


def load(name: str) -> Environment:
    return load_environment(name, root=ROOT, environ={})


@pytest.mark.parametrize("name", ENVS)
def test_every_reference_env_loads_with_the_shared_platform(name: str) -> None:
    env = load(name)
    assert env.project == "shop" and env.name == name
    assert set(env.zones) == {"edge", "app", "data", "ops"} and env.zones["data"].internal
    assert env.services["migrate"].one_shot
    for app in ("api", "worker"):
        service = env.services[app]
        assert service.build == "app" and service.command == [app]
        assert "migrate" in service.depends_on
        assert set(CONTRACT) <= set(service.env)
        assert service.secrets == {"PGPASSWORD": "postgres-password"}
    assert env.services["api"].port == 8000 and env.services["worker"].health_port == 8001
    assert all(source.generate for source in env.secrets.values())


def test_components_match_the_platform() -> None:
    env = load("dev")
    postgres, nats, aws = env.components["postgres"], env.components["nats"], env.components["aws"]
    assert isinstance(postgres, Postgres) and (postgres.database, postgres.user) == ("shop", "shop")
    assert isinstance(nats, Nats)
    stream = nats.streams[0]
    assert (stream.name, stream.subjects) == ("ORDERS", ["orders.>"])
    assert (stream.consumers[0].name, stream.consumers[0].filter_subject) == (
        "orders-worker",
        "orders.created",
    )
    assert isinstance(aws, Aws) and aws.emulator == "localstack"
    assert aws.buckets[0].name == "shop-receipts" and aws.buckets[0].versioning
    queues = {q.name: q for q in aws.queues}
    assert set(queues) == {"order-events", "order-events-dlq", "order-audit"}
    dead_letter = queues["order-events"].dead_letter
    assert dead_letter is not None and dead_letter.queue == "order-events-dlq"
    fanout = {s.queue for s in aws.topics[0].subscriptions}
    assert aws.topics[0].name == "order-events" and fanout == {"order-events", "order-audit"}
    assert {p.type for p in aws.parameters} == {"String", "SecureString"}
    assert aws.secrets and aws.log_groups


def test_environments_differ_where_the_brief_says() -> None:
    dev, stage, prod = (load(n) for n in ENVS)
    assert (dev.exposure.publish, dev.exposure.port_base) == ("all", 15000)
    for env, base in ((stage, 25000), (prod, 30000)):
        assert env.exposure.publish == "listed" and env.exposure.services == ["ingress"]
        assert env.exposure.port_base == base
        ingress = env.components["ingress"]
        assert isinstance(ingress, Ingress) and ingress.routes[0].service == "api"
    assert "ingress" not in dev.components
    auth = [env.components["redis"] for env in (dev, stage, prod)]
    assert [r.auth for r in auth if isinstance(r, Redis)] == [False, False, True]
    replicas = [env.components["postgres"] for env in (dev, stage, prod)]
    assert [p.read_replica for p in replicas if isinstance(p, Postgres)] == [False, False, True]
    assert dev.promotion.branches == ["develop"]
    assert (stage.promotion.from_env, stage.promotion.requires) == ("dev", ["smoke"])
    assert (prod.promotion.tags, prod.promotion.signed_tags, prod.promotion.from_env) == (
        "v*.*.*",
        True,
        "stage",
    )
    assert prod.promotion.requires == ["smoke", "contract"]
    assert (prod.rollout.canary_percent, prod.rollout.bake_time) == (10, "10m")
    assert (prod.slo.error_rate_percent, stage.slo.error_rate_percent) == (1, 5)
    assert (prod.backup.schedule, prod.backup.wal_archive, prod.backup.restore_drill) == (
        "daily",
        True,
        "monthly",
    )
    assert "components.redis.auth" in prod.intended_differences


def test_committed_schema_matches_the_model() -> None:
    committed = (ROOT / "envs" / SCHEMA_FILE).read_text()
    assert committed == schema_text(), "run `inv schema` and commit envs/greenroom.schema.json"


@pytest.mark.parametrize("name", ["base", *ENVS])
def test_env_files_name_the_schema_and_satisfy_it(name: str) -> None:
    text = (ROOT / "envs" / f"{name}.yaml").read_text()
    assert text.startswith(f"# yaml-language-server: $schema={SCHEMA_FILE}\n")
    schema = json.loads((ROOT / "envs" / SCHEMA_FILE).read_text())
    jsonschema.validate(yaml.safe_load(text), schema)


def test_schema_rejects_what_the_loader_rejects() -> None:
    schema = json.loads(schema_text())
    with pytest.raises(jsonschema.ValidationError, match="visibilty_timeout"):
        jsonschema.validate(
            {"components": {"aws": {"queues": [{"name": "q", "visibilty_timeout": 5}]}}}, schema
        )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"exposure": {"publish": "some"}}, schema)
