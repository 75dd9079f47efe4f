"""`ensure_images` decisions with the engine faked: what is skipped, probed, pulled or built."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from greenroom.images import ensure as ensure_mod
from greenroom.images.catalog import ImageSpec


class Fake:
    """Records what ensure_images asked the registry and the local builder to do."""

    def __init__(self, fresh: set[str], reachable: bool) -> None:
        self.fresh = fresh
        self.reachable = reachable
        self.probes = 0
        self.pulled: list[str] = []
        self.built: list[str] = []

    def probe(self) -> bool:
        self.probes += 1
        return self.reachable

    def pull(self, specs: Sequence[ImageSpec], _progress: Any, *, force: bool = False) -> None:
        self.pulled += [s.name for s in specs]

    def build(self, specs: Sequence[ImageSpec], _progress: Any, *, force: bool = False) -> None:
        self.built += [s.name for s in specs]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Fake:
    state = Fake(fresh=set(), reachable=False)
    monkeypatch.delenv("GREENROOM_IMAGE_SOURCE", raising=False)
    monkeypatch.setattr(ensure_mod.engine, "server_version", lambda: "20.10")
    monkeypatch.setattr(ensure_mod.engine, "image_id", lambda ref: f"sha256:{ref}")
    monkeypatch.setattr(ensure_mod.engine, "label", lambda _ref, _name: "local")
    monkeypatch.setattr(ensure_mod, "_mirror_or_none", lambda: "http://m/debian")
    monkeypatch.setattr(ensure_mod, "fresh_any", lambda spec, _m: spec.name in state.fresh)
    monkeypatch.setattr(ensure_mod.registry, "reachable", state.probe)
    monkeypatch.setattr(ensure_mod.registry, "pull", state.pull)
    monkeypatch.setattr(ensure_mod.local, "build_local", state.build)
    return state


def test_nothing_stale_means_no_probe_and_no_work(fake: Fake) -> None:
    fake.fresh = {"redis", "nats"}
    ids = ensure_mod.ensure_images(only=["redis", "nats"], quiet=True)
    assert ids == {"redis": "sha256:greenroom/redis:8.0", "nats": "sha256:greenroom/nats:2.10"}
    assert (fake.probes, fake.pulled, fake.built) == (0, [], [])


def test_auto_pulls_only_the_stale_images_when_the_registry_answers(fake: Fake) -> None:
    fake.fresh, fake.reachable = {"redis"}, True
    ensure_mod.ensure_images(only=["redis", "postgres"], quiet=True)
    assert (fake.probes, fake.pulled, fake.built) == (1, ["postgres"], [])


def test_auto_builds_locally_with_the_python_base_when_offline(fake: Fake) -> None:
    ensure_mod.ensure_images(only=["moto"], quiet=True)
    assert fake.built == ["python", "moto"]
    assert fake.pulled == []


def test_explicit_local_never_probes(fake: Fake) -> None:
    fake.fresh = {"redis"}
    ensure_mod.ensure_images(source="local", only=["redis"], quiet=True)
    assert fake.probes == 0
    assert fake.built == ["redis"]


def test_force_skips_the_freshness_shortcut(fake: Fake) -> None:
    fake.fresh, fake.reachable = {"redis"}, True
    ensure_mod.ensure_images(only=["redis"], force=True, quiet=True)
    assert fake.pulled == ["redis"]
