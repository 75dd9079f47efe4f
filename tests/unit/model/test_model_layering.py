"""Layering as envs/README.md documents it: base < extends < file < GREENROOM_* < --set."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenroom.components.aws.spec import Aws
from greenroom.components.redis import Redis
from greenroom.errors import ConfigError
from greenroom.model import load_environment

BASE = """\
project: shop
zones: {app: {}, data: {}, edge: {}}
services:
  api:
    build: app
    port: 8000
    env: {A: "1", B: "2"}
components:
  redis: {}
  aws:
    queues: [{name: one}, {name: two}]
domains: [a.example.com, b.example.com]
intended_differences: [exposure]
"""


def project(tmp_path: Path, **files: str) -> Path:
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "base.yaml").write_text(BASE)
    for name, text in files.items():
        (tmp_path / "envs" / f"{name}.yaml").write_text(text)
    return tmp_path


def test_mappings_merge_lists_replace_and_null_restores_the_default(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        dev="services:\n  api:\n    env: {B: '3'}\n    port: null\ndomains: [c.example.com]\n",
    )
    env = load_environment("dev", root=root, environ={})
    assert env.services["api"].env == {"A": "1", "B": "3"}
    assert env.services["api"].port is None
    assert env.domains == ["c.example.com"]


def test_reset_replaces_a_mapping_and_append_extends_a_list(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        dev="services:\n  api:\n    env: !reset {C: '4'}\nintended_differences: !append [slo]\n",
    )
    env = load_environment("dev", root=root, environ={})
    assert env.services["api"].env == {"C": "4"}
    assert env.intended_differences == ["exposure", "slo"]


def test_extends_layers_the_parent_file_first(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        stage="description: staging\nexposure: {publish: none, port_base: 25000}\n",
        preview="extends: stage\nexposure: {port_base: 26000}\n",
    )
    env = load_environment("preview", root=root, environ={})
    assert (env.name, env.description) == ("preview", "staging")
    assert (env.exposure.publish, env.exposure.port_base) == ("none", 26000)


def test_variables_override_files_and_flags_override_variables(tmp_path: Path) -> None:
    root = project(tmp_path, dev="components:\n  redis: {auth: false}\n")
    environ = {
        "GREENROOM_SERVICES__API__ENV__B": "from-env",
        "GREENROOM_SERVICES__API__REPLICAS": "3",
        "GREENROOM_COMPONENTS__AWS__QUEUES__1__VISIBILITY_TIMEOUT": "90",
        "GREENROOM_ROOT": "/elsewhere",
        "GREENROOM_WORKDIR": "/tmp/x",
    }
    env = load_environment(
        "dev",
        root=root,
        environ=environ,
        overrides=["services.api.replicas=4", "services.api.replicas=5", "domains=[x.example.com]"],
    )
    api = env.services["api"]
    assert (api.env["B"], api.replicas) == ("from-env", 5)
    aws = env.components["aws"]
    assert isinstance(aws, Aws) and aws.queues[1].visibility_timeout == 90
    assert env.domains == ["x.example.com"]


def test_overrides_can_add_keys_and_set_list_items(tmp_path: Path) -> None:
    root = project(tmp_path, dev="description: dev\n")
    env = load_environment(
        "dev",
        root=root,
        environ={},
        overrides=[
            "secrets.redis-password={generate: true}",
            "components.redis.auth=true",
            "components.redis.password={secret: redis-password}",
            "components.aws.queues[-1].name=last",
        ],
    )
    redis, aws = env.components["redis"], env.components["aws"]
    assert isinstance(redis, Redis) and redis.auth
    assert isinstance(aws, Aws) and [q.name for q in aws.queues] == ["one", "last"]


def test_a_problem_points_at_the_layer_that_wrote_the_value(tmp_path: Path) -> None:
    root = project(tmp_path, dev="services:\n  api:\n    replicas: many\n")
    with pytest.raises(ConfigError) as caught:
        load_environment(
            "dev",
            root=root,
            environ={"GREENROOM_EXPOSURE__PORT_BASE": "99"},
            overrides=["components.aws.queues[0].visibility_timeout=-1"],
        )
    assert caught.value.message.splitlines() == [
        "$GREENROOM_EXPOSURE__PORT_BASE:1:1: exposure.port_base: "
        "input should be greater than or equal to 1024",
        "--set components.aws.queues[0].visibility_timeout:1:1: "
        "components.aws.queues[0].visibility_timeout: input should be greater than or equal to 0",
        "envs/dev.yaml:3:15: services.api.replicas: expected a whole number, got the string 'many'",
    ]


def test_a_value_left_in_base_is_reported_in_base(tmp_path: Path) -> None:
    root = project(tmp_path, dev="zones: !reset {data: {}, edge: {}}\n")
    with pytest.raises(
        ConfigError,
        match=r"^envs/base.yaml:4:3: services.api.zone: service `api` points at zone `app`",
    ):
        load_environment("dev", root=root, environ={})


def test_anchors_and_merge_keys_are_plain_yaml(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        dev="x-common: &common {build: app, replicas: 2}\n"
        "services:\n  api: {<<: *common, port: 9000}\n  web: *common\n",
    )
    with pytest.raises(ConfigError, match="x-common: unknown key"):
        load_environment("dev", root=root, environ={})
    (root / "envs" / "dev.yaml").write_text(
        "services:\n  api: &api {build: app, replicas: 2}\n  web: {<<: *api, port: 9000}\n"
    )
    env = load_environment("dev", root=root, environ={})
    assert (env.services["web"].replicas, env.services["web"].port) == (2, 9000)
