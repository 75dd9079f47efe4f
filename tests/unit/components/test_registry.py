"""The components registry: one class per kind, found by kind, app services included."""

from __future__ import annotations

import pytest

from greenroom import components
from greenroom.components import Base, bind, get, kinds, parts, register
from greenroom.errors import ConfigError
from greenroom.model.types import Environment, Service


def test_every_model_kind_has_a_component():
    assert kinds() == ("app", "aws", "ingress", "nats", "postgres", "redis")
    for kind in kinds():
        assert get(kind).kind == kind


def test_an_unknown_kind_is_a_clear_error():
    with pytest.raises(ConfigError, match="no component of kind 'opensearch'") as caught:
        get("opensearch")
    assert caught.value.hint and "postgres" in caught.value.hint


def test_a_kind_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):

        @register("redis")
        class Impostor(Base[object]):
            pass


def test_a_new_kind_is_one_registration(monkeypatch):
    monkeypatch.setattr(components, "_REGISTRY", dict(components._REGISTRY))

    @register("opensearch")
    class OpenSearch(Base[object]):
        def container_ports(self) -> dict[str, tuple[int, ...]]:
            return {self.name: (9200,)}

    assert get("opensearch") is OpenSearch
    assert "opensearch" in kinds()


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
    clash = env.model_copy(update={"services": {"redis": Service(build="app")}})
    with pytest.raises(ConfigError, match="redis is both a component and a service"):
        parts(clash)
