"""What each component contributes: ports, fragments, files, what its clients get."""

from __future__ import annotations

from greenroom.components import RenderContext, bind
from greenroom.components.aws.spec import Aws
from greenroom.components.ingress import Ingress
from greenroom.components.nats.spec import Nats
from greenroom.components.redis import Redis
from greenroom.model.environment import Environment
from greenroom.model.types import Service

ENV = Environment.model_validate(
    {
        "name": "dev",
        "project": "shop",
        "zones": {"app": {}, "edge": {}},
        "services": {"api": {"build": "app", "port": 8000}, "jobs": {"build": "app"}},
    }
)
CTX = RenderContext(project="shop-dev")


def test_images_come_from_the_context_or_greenroom_tags():
    assert CTX.image("postgres", "16") == "greenroom/postgres:16"
    assert CTX.image("moto") == "greenroom/moto:5"
    assert RenderContext(project="p", images={"moto": "x/moto:9"}).image("moto") == "x/moto:9"


def test_moto_answers_where_localstack_does_with_a_python_healthcheck():
    part = bind("aws", Aws(emulator="moto"))
    assert part.container_ports() == {"aws": (4566,)}
    fragment = part.services(ENV, CTX)["aws"]
    assert fragment["image"] == "greenroom/moto:5"
    assert fragment["healthcheck"]["test"][:3] == ["CMD", "python3", "-c"]
    assert "http://127.0.0.1:4566/moto-api/" in fragment["healthcheck"]["test"][3]
    assert part.client().env["AWS_ENDPOINT_URL"] == "http://aws:4566"


def test_localstack_loads_only_the_services_the_model_uses():
    part = bind("aws", Aws(parameters=[{"name": "/a", "value": "1"}], log_groups=["/shop"]))
    environment = part.services(ENV, CTX)["aws"]["environment"]
    assert environment["SERVICES"] == "ssm,logs"
    bare = bind("aws", Aws()).services(ENV, CTX)["aws"]["environment"]
    assert "SERVICES" not in bare


def test_nats_runs_jetstream_and_names_a_concrete_subject():
    spec = Nats(streams=[{"name": "ORDERS", "subjects": ["orders.>", "orders.created"]}])
    part = bind("nats", spec)
    fragment = part.services(ENV, CTX)["nats"]
    assert fragment["command"] == ["-c", "/etc/greenroom/nats.conf", "-js", "-sd", "/data"]
    assert "./nats/nats.conf:/etc/greenroom/nats.conf:ro" in fragment["volumes"]
    assert part.container_ports() == {"nats": (4222,)}, "monitoring stays inside the container"
    assert 'http: "127.0.0.1:8222"' in part.files(ENV)["nats/nats.conf"]
    assert part.client().env == {
        "NATS_URL": "nats://nats:4222",
        "NATS_STREAM": "ORDERS",
        "NATS_SUBJECT": "orders.created",
    }


def test_nats_token_is_read_from_the_secret_file_not_the_command_line():
    part = bind("nats", Nats(auth=True, token={"secret": "nats-token"}))
    fragment = part.services(ENV, CTX)["nats"]
    assert 'NATS_TOKEN="$$(cat /run/secrets/nats-token)"' in fragment["entrypoint"][2]
    assert "--auth" not in " ".join(fragment["entrypoint"])
    assert "token: $NATS_TOKEN" in part.files(ENV)["nats/nats.conf"]


def test_redis_persistence_uses_a_named_volume_and_append_only_file():
    part = bind("redis", Redis(persistence=True, max_memory="256mb"))
    fragment = part.services(ENV, CTX)["redis"]
    assert fragment["volumes"] == ["redis-data:/data"]
    assert fragment["command"][-2:] == ["--maxmemory", "256mb"]
    assert "--appendonly" in fragment["command"]
    assert part.volumes() == ("redis-data",)


def test_the_ingress_routes_to_service_ports_and_answers_healthz():
    part = bind("ingress", Ingress(routes=[{"path": "/", "service": "api"}]))
    conf = part.files(ENV)["ingress/default.conf"]
    assert "listen 8080;" in conf
    assert "location = /healthz" in conf
    assert "set $upstream_api api:8000;" in conf
    assert part.depends_on() == ("api",)


def test_app_readiness_follows_what_the_service_can_report():
    assert bind("m", Service(build="app", one_shot=True)).readiness() == (
        "service_completed_successfully"
    )
    assert bind("a", Service(build="app", port=8000)).readiness() == "service_healthy"
    assert bind("w", Service(build="app", health=None, port=8000)).readiness() == (
        "service_started"
    )


def test_an_app_image_ref_is_used_as_is():
    part = bind("api", Service(image="shop/api:1.2.3"))
    assert part.services(ENV, CTX)["api"]["image"] == "shop/api:1.2.3"


def test_a_topic_delivers_over_http_to_a_services_port_and_so_talks_to_it():
    from greenroom.components import parts
    from greenroom.model.reach import admissions

    env = Environment.model_validate(
        {
            "name": "dev",
            "project": "shop",
            "zones": {"app": {}},
            "services": {"api": {"build": "app", "port": 8000}},
            "components": {
                "aws": {
                    "kind": "aws",
                    "topics": [
                        {"name": "events", "subscriptions": [{"name": "hook", "service": "api"}]}
                    ],
                }
            },
        }
    )
    part = parts(env)["aws"]
    assert part.http_endpoints == {"hook": "http://api:8000/"}
    assert part.talks_to() == ("api",)
    assert "aws" in admissions(env)["api"]
