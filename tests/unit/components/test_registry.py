"""The components registry: one class per kind, found by kind, app services included."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import TypeAdapter

from greenroom import components
from greenroom.components import Base, bind, get, kinds, parts, register, spec_union
from greenroom.errors import ConfigError
from greenroom.model import ModelError, load_environment
from greenroom.model.environment import Environment
from greenroom.model.types import ComponentBase, Service


def test_every_model_kind_has_a_component_and_a_spec_model():
    assert kinds() == (
        "alertmanager",
        "aws",
        "grafana",
        "http-stub",
        "ingress",
        "nats",
        "opensearch",
        "postgres",
        "postgres-exporter",
        "prometheus",
        "redis",
        "smtp-sink",
    )
    for kind in kinds():
        assert get(kind).kind == kind
        assert get(kind).spec_model is not None
    assert get("app").spec_model is None


def test_an_unknown_kind_is_a_clear_error():
    with pytest.raises(ConfigError, match="no component of kind 'mysql'") as caught:
        get("mysql")
    assert caught.value.hint and "postgres" in caught.value.hint


def test_a_kind_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):

        @register("redis")
        class Impostor(Base[object]):
            pass


def test_a_new_kind_is_one_registration(monkeypatch):
    monkeypatch.setattr(components, "_REGISTRY", dict(components._REGISTRY))

    class ClickHouseSpec(ComponentBase):
        kind: Literal["clickhouse"] = "clickhouse"

    @register("clickhouse")
    class ClickHouse(Base[object]):
        spec_model = ClickHouseSpec

        def container_ports(self) -> dict[str, tuple[int, ...]]:
            return {self.name: (8123,)}

    assert get("clickhouse") is ClickHouse
    assert "clickhouse" in kinds()
    union = TypeAdapter(spec_union())
    assert union.validate_python({"kind": "clickhouse"}) == ClickHouseSpec()


def test_app_services_bind_to_the_app_component():
    part = bind("api", Service(build="app", port=8000))
    assert part.kind == "app"
    assert part.container_ports() == {"api": (8000,)}


def test_parts_are_sorted_and_share_one_namespace():
    env = Environment.model_validate(
        {
            "name": "dev",
            "project": "shop",
            "zones": {"app": {}, "data": {}},
            "secrets": {"pg": {"generate": True}},
            "components": {"redis": {}, "postgres": {"password": {"secret": "pg"}}},
            "services": {"api": {"build": "app"}},
        }
    )
    assert list(parts(env)) == ["api", "postgres", "redis"]


def test_a_name_used_by_a_component_and_a_service_is_a_model_error(tmp_path):
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "base.yaml").write_text(
        "project: shop\nzones: {app: {}, data: {}}\ncomponents:\n  redis: {}\n"
        "services:\n  redis: {image: 'busybox:1'}\n"
    )
    (envs / "dev.yaml").write_text("name: dev\n")
    with pytest.raises(ModelError, match="`redis` is both a component and a service"):
        load_environment("dev", root=tmp_path)
