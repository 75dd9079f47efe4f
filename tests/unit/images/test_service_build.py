"""Service builds from any Dockerfile: FROM lines, stand-ins, the cache key, the model's forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from greenroom.errors import ConfigError, ImageError
from greenroom.images import bases, build, engine
from greenroom.images.bases import Base, catalogue_table, equivalent, split_ref
from greenroom.images.context import Ignore, context_digest, sent_files
from greenroom.images.pipproxy import host_index
from greenroom.images.stages import parse, substitute
from greenroom.model import load_environment
from greenroom.model.types import BuildSpec

MULTI = """\
# syntax=docker/dockerfile:1
ARG PY=3.13
ARG VARIANT
FROM --platform=linux/amd64 python:${PY}-slim AS Deps
RUN pip install \\
      six==1.16.0
FROM deps AS test
COPY --from=nginx:1.26 /etc/nginx/nginx.conf /tmp/
FROM scratch AS final
COPY --from=deps /usr/lib /usr/lib
COPY --from=0 /etc /etc
FROM debian:${VARIANT:-trixie}-slim
"""


def test_from_lines_substitute_global_args_and_know_stages_and_scratch() -> None:
    parsed = parse(MULTI, "web/Dockerfile")
    assert [(s.name, s.base, s.line) for s in parsed.stages] == [
        ("deps", "python:3.13-slim", 4),
        ("test", "deps", 7),
        ("final", "scratch", 9),
        (None, "debian:trixie-slim", 12),
    ]
    assert [(u.ref, u.line) for u in parsed.external()] == [
        ("python:3.13-slim", 4),
        ("nginx:1.26", 8),
        ("debian:trixie-slim", 12),
    ]
    assert parsed.runs_pip()
    assert not parse("FROM debian\nRUN echo pipeline\n", "D").runs_pip()


def test_build_args_override_defaults_and_target_limits_the_stages() -> None:
    parsed = parse(MULTI, "web/Dockerfile", {"PY": "3.12", "VARIANT": "bookworm"})
    assert [u.ref for u in parsed.external("deps")] == ["python:3.12-slim"]
    assert parsed.external()[-1].ref == "debian:bookworm-slim"
    with pytest.raises(ImageError, match=r"web/Dockerfile: no stage named 'prod'"):
        parsed.external("prod")


def test_substitution_follows_docker() -> None:
    values = {"A": "1", "E": ""}
    assert substitute("$A-${A}-${B:-x}-${E:-y}-${E-z}-${A:+set}-${B:+no}", values) == (
        "1-1-x-y--set-"
    )


def test_a_bad_from_names_its_line() -> None:
    with pytest.raises(ImageError, match=r"^D:2: FROM a b c d"):
        parse("ARG X\nFROM a b c d\n", "D")
    with pytest.raises(ImageError, match=r"^D:1: RUN comes before the first FROM"):
        parse("RUN true\nFROM a\n", "D")
    with pytest.raises(ImageError, match=r"empty after ARG substitution"):
        parse("ARG X\nFROM ${X}\n", "D")


def test_the_table_comes_from_the_catalogue_upstream_pins() -> None:
    table = catalogue_table()
    assert table["python"] == "greenroom/python:3.13"
    assert table["postgres"] == "greenroom/postgres:17"
    assert table["prom/prometheus"] == "greenroom/prometheus:2.53"
    assert table["nats"] == "greenroom/nats:2.10"
    assert split_ref("docker.io/library/redis:8.0@sha256:ab") == ("redis", "8.0")


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("python:3.13-slim", "greenroom/python:3.13"),
        ("python:3", "greenroom/python:3.13"),
        ("python", "greenroom/python:3.13"),
        ("python:3.12-slim", None),
        ("postgres:17.6", "greenroom/postgres:17"),
        ("postgres:16", None),
        ("redis:8.0-alpine", "greenroom/redis:8.0"),
        ("prom/prometheus:v2.53.3", "greenroom/prometheus:2.53"),
        ("debian:bookworm-slim", "greenroom/base:trixie-abc"),
        ("node:20", None),
        ("node:20-slim", "myorg/node:20"),
        ("myorg/tools:1", "myorg/tools:stable"),
    ],
)
def test_stand_ins(ref: str, expected: str | None) -> None:
    user = {"node:20*": "myorg/node:20", "myorg/*": "myorg/tools:stable"}
    local, _ = equivalent(ref, user, catalogue_table(), lambda: "greenroom/base:trixie-abc")
    assert local == (expected if ref != "node:20" else "myorg/node:20")


def test_a_missing_image_without_equivalent_names_file_line_and_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "image_id", lambda ref: None)
    uses = parse("# ui\nARG NODE=20\nFROM node:${NODE} AS ui\n", "ui/Dockerfile").external()
    with pytest.raises(ImageError) as caught:
        bases.resolve(uses, "ui/Dockerfile", base_images={}, reachable=lambda: False)
    assert caught.value.message.startswith(
        "ui/Dockerfile:3: FROM node:${NODE} AS ui: node:20 is not on this machine"
    )
    assert '`base_images:` in envs/ (`base_images: {"node:20": <a local image>}`)' in str(
        caught.value.hint
    )


def test_present_images_are_used_as_they_are_and_reachable_registries_pull(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    local = {"python:3.13-slim": "sha256:local"}
    monkeypatch.setattr(engine, "image_id", local.get)
    monkeypatch.setattr(engine, "pull", lambda ref: "sha256:pulled")
    uses = parse("FROM python:3.13-slim\nFROM node:20\n", "D").external()
    assert bases.resolve(uses, "D", base_images={}, reachable=lambda: True) == [
        Base("python:3.13-slim", "sha256:local"),
        Base("node:20", "sha256:pulled"),
    ]


def test_dockerignore_rules(tmp_path: Path) -> None:
    ignore = Ignore(["# c", "*.log", "build/", "**/secret*", "!keep.log", "/docs/*.md"])
    assert ignore.excludes("a.log") and not ignore.excludes("keep.log")
    assert ignore.excludes("build/x/y") and ignore.excludes("deep/in/secret.txt")
    assert ignore.excludes("docs/a.md") and not ignore.excludes("docs/sub/a.md")
    assert not ignore.excludes("sub/a.log")
    for rel, text in {
        "a.py": "1",
        "x.log": "2",
        ".git/HEAD": "3",
        ".dockerignore": "*.log\n",
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert sent_files(tmp_path) == [".dockerignore", "a.py"]


def test_the_cache_key_covers_what_the_builder_sees(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print(1)\n")
    (tmp_path / "x.log").write_text("a\n")
    (tmp_path / ".dockerignore").write_text("*.log\n")
    spec = BuildSpec(context="web")
    base = [Base("python:3.13-slim", "sha256:1", "greenroom/python:3.13")]

    def key(**changes: Any) -> str:
        parts: dict[str, Any] = {"spec": spec, "bases": base, "dockerfile": "FROM python\n"}
        parts.update(changes)
        return build.build_key(
            context_digest(tmp_path), parts["dockerfile"], parts["spec"], parts["bases"]
        )

    first = key()
    (tmp_path / "x.log").write_text("b\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("x\n")
    assert key() == first
    assert key(dockerfile="FROM python:3\n") != first
    assert key(spec=BuildSpec(context="web", target="t")) != first
    assert key(spec=BuildSpec(context="web", args={"A": "1"})) != first
    assert key(bases=[Base("python:3.13-slim", "sha256:2", "greenroom/python:3.13")]) != first
    (tmp_path / "app.py").write_text("print(2)\n")
    assert key() != first


def test_an_unchanged_build_returns_the_image_without_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile").write_text('FROM python:3.13-slim\nCMD ["python"]\n')
    spec = BuildSpec(context="web")
    found = [Base("python:3.13-slim", "sha256:base")]
    monkeypatch.setattr(build, "resolve", lambda *a, **k: found)
    text = (tmp_path / "web" / "Dockerfile").read_text()
    key = build.build_key(context_digest(tmp_path / "web"), text, spec, found)
    image = {"Id": "sha256:built", "Config": {"Labels": {"greenroom.key": key}}}
    monkeypatch.setattr(engine, "inspect_image", lambda ref: image)
    monkeypatch.setattr(engine, "build", pytest.fail)
    assert build.build_service_image(tmp_path, "web", "web", "t:1") == "sha256:built"


def test_pip_arguments_are_declared_in_every_stage() -> None:
    text = "FROM a AS one\nRUN pip install x\nFROM \\\n  b\nRUN true\n"
    staged = build.declare_pip_args(text, parse(text, "D"))
    assert staged.splitlines() == [
        "FROM a AS one",
        "ARG PIP_INDEX_URL",
        "ARG PIP_TRUSTED_HOST",
        "RUN pip install x",
        "FROM \\",
        "  b",
        "ARG PIP_INDEX_URL",
        "ARG PIP_TRUSTED_HOST",
        "RUN true",
    ]


def test_the_wheelhouse_contract_keeps_its_builder(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "ARG BASE_IMAGE=greenroom/python:3.13\nFROM ${BASE_IMAGE}\n"
    )
    (tmp_path / "requirements.lock").write_text("")
    assert build.uses_wheelhouse(tmp_path, BuildSpec(context="app"))
    assert not build.uses_wheelhouse(tmp_path, BuildSpec(context="app", target="x"))
    (tmp_path / "Dockerfile").write_text("FROM python:3.13-slim\n")
    assert not build.uses_wheelhouse(tmp_path, BuildSpec(context="app"))


def test_host_index_ranks_the_environment_first() -> None:
    config = {
        "global.index-url": "https://one.invalid/simple",
        ":env:.index-url": "https://two.invalid/simple",
        "global.cert": "/ca.pem",
    }
    index = host_index(config)
    assert (index.url, index.cert) == ("https://two.invalid/simple/", "/ca.pem")


ENV = """\
project: shop
zones: {app: {}}
base_images:
  "node:20": myorg/node:20
services:
  web:
    build: {context: web, dockerfile: docker/Dockerfile, target: prod, args: {NODE_ENV: production}}
  api:
    build: api
"""


def test_the_model_takes_both_forms_and_base_images(tmp_path: Path) -> None:
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "dev.yaml").write_text(ENV)
    env = load_environment("dev", root=tmp_path)
    assert env.services["api"].build == "api"
    assert env.services["web"].build == BuildSpec(
        context="web",
        dockerfile="docker/Dockerfile",
        target="prod",
        args={"NODE_ENV": "production"},
    )
    assert env.base_images == {"node:20": "myorg/node:20"}
    assert build.as_build_spec("api") == BuildSpec(context="api")


@pytest.mark.parametrize(
    ("build_yaml", "message"),
    [
        (
            "{context: web, tagret: prod}",
            "envs/dev.yaml:6:27: services.web.build.tagret: unknown key; did you mean 'target'?",
        ),
        (
            "{context: web, dockerfile: ../Dockerfile}",
            "envs/dev.yaml:6:39: services.web.build.dockerfile: '../Dockerfile' is not a file "
            "inside the build context",
        ),
        (
            "7",
            "envs/dev.yaml:6:12: services.web.build: expected a folder (build: app) or a mapping",
        ),
    ],
)
def test_bad_build_forms_point_at_file_and_line(
    tmp_path: Path, build_yaml: str, message: str
) -> None:
    (tmp_path / "envs").mkdir()
    text = "project: shop\nzones: {app: {}}\n\nservices:\n  web:\n    build: " + build_yaml + "\n"
    (tmp_path / "envs" / "dev.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_environment("dev", root=tmp_path)
    assert caught.value.message.startswith(message)
