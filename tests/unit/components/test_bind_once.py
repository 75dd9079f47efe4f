"""An environment's components are bound once, however many layers ask for them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from greenroom.components import Base, parts
from greenroom.components.access import Access
from greenroom.model import load_environment
from greenroom.render.compose import render_project
from greenroom.render.graph import mermaid
from greenroom.render.ports import allocate_ports
from greenroom.render.workdir import context_for
from greenroom.runtime.probes import probes_for
from greenroom.suites.target import replica_target

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def constructed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    original = Base.__init__

    def counting(self: Base[object], name: str, spec: object) -> None:
        made.append(name)
        original(self, name, spec)

    monkeypatch.setattr(Base, "__init__", counting)
    return made


def test_load_render_probe_and_target_bind_each_part_once(constructed: list[str]) -> None:
    env = load_environment("prod", root=ROOT)
    ports = allocate_ports(env)
    render_project(env, context_for(env, ROOT))
    mermaid(env)
    secrets = {name: SecretStr("x") for name in env.secrets}
    access = Access(host_ports=ports, secrets=secrets)
    probes_for(env, access)
    replica_target(env, access, {"api": "sha256:" + "1" * 64})
    assert sorted(constructed) == sorted({*env.components, *env.services})


def test_a_replica_walk_binds_each_part_once(constructed: list[str]) -> None:
    from greenroom.runtime.lifecycle import spec_hash
    from greenroom.runtime.replica import Replica, infra_images

    replica = Replica.open("prod", root=ROOT)
    infra_images(replica.env)
    files = render_project(replica.env, replica.render_context()).files
    spec_hash(dict(files))
    secrets = {name: SecretStr("x") for name in replica.env.secrets}
    access = Access(host_ports=replica.host_ports, secrets=secrets)
    probes_for(replica.env, access)
    for part in replica.parts.values():
        part.endpoint(access)
    replica_target(replica.env, access, {"api": "sha256:" + "1" * 64}, bound=replica.parts)
    assert sorted(constructed) == sorted({*replica.env.components, *replica.env.services})


def test_a_changed_copy_of_the_model_binds_anew(constructed: list[str]) -> None:
    env = load_environment("dev", root=ROOT)
    first = parts(env)
    changed = env.model_copy(update={"description": "changed"})
    assert parts(changed)["postgres"] is not first["postgres"]
    assert parts(env)["postgres"] is first["postgres"]
