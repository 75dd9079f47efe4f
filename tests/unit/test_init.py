"""`greenroom init`: compose projects, as `docker compose config` prints them -> envs/ that load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from greenroom.errors import GreenroomError
from greenroom.init import init_project, starter, translate
from greenroom.init.services import build_mapping_supported
from greenroom.model import Environment, load_from_dir

ROOT = "/work/project"
PASSWORDS = ("s3cret-pg-pass", "hunter2-redis", "tok-nats-123", "abc123-api-key", "url-only-pw")


def _loads(base: str, dev: str, tmp_path: Path) -> Environment:
    envs = tmp_path / "envs"
    envs.mkdir(exist_ok=True)
    (envs / "base.yaml").write_text(base)
    (envs / "dev.yaml").write_text(dev)
    return load_from_dir(envs, "dev", root=tmp_path, environ={})


def _service(**fields: Any) -> dict[str, Any]:
    return {"command": None, "entrypoint": None, "networks": {"default": None}, **fields}


def _ports(*targets: int) -> list[dict[str, Any]]:
    return [
        {"mode": "ingress", "target": t, "published": str(t), "protocol": "tcp"} for t in targets
    ]


SHOP: dict[str, Any] = {
    "name": "shop",
    "services": {
        "db": _service(
            image="postgres:16.4-alpine",
            environment={
                "POSTGRES_USER": "shop",
                "POSTGRES_DB": "orders",
                "POSTGRES_PASSWORD": "s3cret-pg-pass",
            },
            command=["postgres", "-c", "max_connections=200"],
            ports=_ports(5432),
        ),
        "cache": _service(
            image="bitnami/redis:7.2",
            command=["redis-server", "--requirepass", "hunter2-redis", "--appendonly", "yes"],
        ),
        "bus": _service(image="nats:2.10-alpine", command=["-js", "--auth", "tok-nats-123"]),
        "aws": _service(image="localstack/localstack:3.8", environment={"SERVICES": "s3,sqs"}),
        "api": _service(
            build={"context": f"{ROOT}/services/api", "dockerfile": "Dockerfile"},
            command=["uvicorn", "app:app"],
            ports=_ports(8000, 9100),
            environment={
                "DATABASE_URL": "postgres://shop:s3cret-pg-pass@db:5432/orders",
                "CACHE_URL": "redis://:hunter2-redis@cache:6379/0",
                "API_KEY": "abc123-api-key",
                "DB_PASS": "s3cret-pg-pass",
                "LOG_LEVEL": "debug",
                "AWS_ENDPOINT_URL": "http://aws:4566",
                "MISSING": None,
            },
            depends_on={"db": {"condition": "service_healthy", "required": True}},
            healthcheck={"test": ["CMD", "curl", "-fsS", "http://localhost:8000/healthz"]},
        ),
        "migrate": _service(
            build={"context": f"{ROOT}/services/api"},
            command=["alembic", "upgrade", "head"],
            environment={"NOTIFY_URL": "amqp://bob:url-only-pw@rabbit:5672/"},
        ),
        "worker": _service(
            build={"context": f"{ROOT}/services/api"},
            command=["worker"],
            depends_on={
                "migrate": {"condition": "service_completed_successfully", "required": True}
            },
            healthcheck={"test": ["CMD-SHELL", "wget -qO- http://127.0.0.1:8001/ready || exit 1"]},
            environment={"API_KEY": "abc123-api-key"},
        ),
        "proxy": _service(
            image="nginx:1.27",
            ports=_ports(80),
            depends_on={"api": {"condition": "service_started", "required": True}},
            volumes=[{"type": "bind", "source": f"{ROOT}/nginx.conf", "target": "/etc/nginx/x"}],
        ),
    },
}


@pytest.fixture(scope="module")
def shop() -> Any:
    return translate(SHOP, root=ROOT, compose_file="docker-compose.yml")


@pytest.fixture(scope="module")
def shop_yaml(shop: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(shop.base)
    return data


def test_the_translation_loads_with_greenroom_s_own_loader(shop: Any, tmp_path: Path) -> None:
    env = _loads(shop.base, shop.dev, tmp_path)
    assert env.name == "dev" and env.project == "shop"
    assert env.exposure.publish == "all"
    assert set(env.components) == {"db", "cache", "bus", "aws"}
    assert set(env.services) == {"api", "migrate", "worker", "proxy"}


def test_no_secret_value_reaches_either_file(shop: Any) -> None:
    for password in PASSWORDS:
        assert password not in shop.base
        assert password not in shop.dev
    assert set(PASSWORDS) <= set(shop.secrets)


def test_postgres_keeps_user_database_version_settings_and_a_secret(shop_yaml: Any) -> None:
    db = shop_yaml["components"]["db"]
    assert db == {
        "kind": "postgres",
        "version": "16.4",
        "user": "shop",
        "database": "orders",
        "password": {"secret": "db-password"},
        "settings": {"max_connections": "200"},
    }
    assert shop_yaml["secrets"]["db-password"] == {"generate": True}


def test_redis_requirepass_turns_auth_on_with_a_secret(shop_yaml: Any) -> None:
    cache = shop_yaml["components"]["cache"]
    assert cache["kind"] == "redis" and cache["version"] == "7.2"
    assert cache["auth"] is True and cache["password"] == {"secret": "cache-password"}
    assert cache["persistence"] is True


def test_redis_password_variable_turns_auth_on() -> None:
    config = {
        "services": {"redis": _service(image="redis", environment={"REDIS_PASSWORD": "pw-1234"})}
    }
    t = translate(config, root=ROOT)
    redis = yaml.safe_load(t.base)["components"]["redis"]
    assert redis == {"auth": True, "password": {"secret": "redis-password"}}
    assert "pw-1234" not in t.base


def test_nats_jetstream_and_token(shop: Any, shop_yaml: Any) -> None:
    bus = shop_yaml["components"]["bus"]
    assert bus == {
        "kind": "nats",
        "version": "2.10",
        "auth": True,
        "token": {"secret": "bus-token"},
    }
    notes = next(m for m in shop.mapped if m.source == "bus")
    assert any("JetStream on" in n for n in notes.notes)


@pytest.mark.parametrize(
    ("image", "emulator"),
    [("localstack/localstack:3.8", "localstack"), ("motoserver/moto:5", "moto")],
)
def test_aws_emulators_become_the_aws_component_in_ops(image: str, emulator: str) -> None:
    t = translate({"services": {"aws": _service(image=image)}}, root=ROOT)
    data = yaml.safe_load(t.base)
    assert data["components"]["aws"] == {"emulator": emulator}
    assert "ops" in data["zones"]


@pytest.mark.parametrize(
    ("image", "kind"),
    [
        ("postgres:16", "postgres"),
        ("library/postgres", "postgres"),
        ("docker.io/bitnami/postgresql:15", "postgres"),
        ("redis:7-alpine", "redis"),
        ("nats", "nats"),
        ("prom/prometheus:v2.54.0", "prometheus"),
        ("prom/alertmanager", "alertmanager"),
    ],
)
def test_images_match_on_their_repository_name(image: str, kind: str, tmp_path: Path) -> None:
    env = {"POSTGRESQL_PASSWORD": "pw-bitnami"} if "postgres" in image else {}
    t = translate({"services": {"x": _service(image=image, environment=env)}}, root=ROOT)
    assert yaml.safe_load(t.base)["components"]["x"]["kind"] == kind
    _loads(t.base, t.dev, tmp_path)


def test_a_latest_tag_keeps_greenroom_s_default_version() -> None:
    t = translate({"services": {"postgres": _service(image="postgres:latest")}}, root=ROOT)
    assert "version" not in yaml.safe_load(t.base)["components"]["postgres"]


def test_an_app_service_keeps_build_port_health_command_and_env(shop_yaml: Any) -> None:
    api = shop_yaml["services"]["api"]
    assert api["build"] == "services/api"
    assert api["command"] == ["uvicorn", "app:app"]
    assert api["port"] == 8000 and api["health"] == "/healthz"
    assert api["env"]["LOG_LEVEL"] == "debug"


def test_a_wget_healthcheck_on_another_port_becomes_health_port(shop_yaml: Any) -> None:
    worker = shop_yaml["services"]["worker"]
    assert worker["health"] == "/ready" and worker["health_port"] == 8001
    assert worker["depends_on"] == ["migrate"]
    assert shop_yaml["services"]["migrate"]["one_shot"] is True


def test_secret_variables_become_references_shared_by_value(shop_yaml: Any) -> None:
    api = shop_yaml["services"]["api"]
    assert api["secrets"] == {
        "API_KEY": "api-key",
        "CACHE_PASSWORD": "cache-password",
        "DATABASE_PASSWORD": "db-password",
        "DB_PASS": "db-password",
    }
    assert shop_yaml["services"]["worker"]["secrets"] == {"API_KEY": "api-key"}
    assert "API_KEY" not in api["env"] and "DB_PASS" not in api["env"]


def test_a_url_loses_its_password_and_says_where_to_read_it(shop: Any, shop_yaml: Any) -> None:
    api = shop_yaml["services"]["api"]
    assert api["env"]["DATABASE_URL"] == "postgres://shop@db:5432/orders"
    assert api["env"]["CACHE_URL"] == "redis://cache:6379/0"
    assert "$DATABASE_PASSWORD_FILE" in shop.base
    migrate = shop_yaml["services"]["migrate"]
    assert migrate["env"]["NOTIFY_URL"] == "amqp://bob@rabbit:5672/"
    assert migrate["secrets"] == {"NOTIFY_PASSWORD": "notify-password"}


def test_variables_a_component_gives_are_left_to_it(shop: Any, shop_yaml: Any) -> None:
    api = shop_yaml["services"]["api"]
    assert "AWS_ENDPOINT_URL" not in api["env"]
    assert set(api["depends_on"]) == {"db", "cache", "aws"}
    notes = next(m for m in shop.mapped if m.source == "api")
    assert any("depends_on cache added" in n for n in notes.notes)
    assert any("MISSING has no value" in a for a in notes.attention)


def test_zones_follow_what_each_thing_is(shop_yaml: Any) -> None:
    assert set(shop_yaml["zones"]) == {"edge", "app", "data", "ops"}
    assert shop_yaml["zones"]["data"]["internal"] is True
    assert shop_yaml["services"]["proxy"]["zone"] == "edge"
    assert "zone" not in shop_yaml["services"]["api"]


def test_nginx_stays_a_service_and_says_why(shop: Any, shop_yaml: Any) -> None:
    proxy = shop_yaml["services"]["proxy"]
    assert proxy["image"] == "nginx:1.27" and proxy["health"] == "/"
    assert "# Kept a service" in shop.base
    mapped = next(m for m in shop.mapped if m.source == "proxy")
    assert any("./nginx.conf" in a for a in mapped.attention)
    assert shop_yaml["exposure"] == {"publish": "listed", "services": ["proxy"]}


def test_dockerfile_target_and_args_are_kept_or_named() -> None:
    build = {
        "context": f"{ROOT}/web",
        "dockerfile": "docker/dev.Dockerfile",
        "target": "dev",
        "args": {"NODE_ENV": "development", "NPM_TOKEN": "npm-secret-token"},
    }
    t = translate({"services": {"web": _service(build=build)}}, root=ROOT)
    assert "npm-secret-token" not in t.base
    web = yaml.safe_load(t.base)["services"]["web"]
    if build_mapping_supported():
        assert web["build"] == {
            "context": "web",
            "dockerfile": "docker/dev.Dockerfile",
            "target": "dev",
            "args": {"NODE_ENV": "development"},
        }
    else:
        assert web["build"] == "web"
        assert "# compose also set dockerfile docker/dev.Dockerfile; target dev" in t.base
    attention = t.mapped[0].attention
    assert any("NPM_TOKEN" in a for a in attention)


def test_a_secret_inside_a_command_is_not_copied() -> None:
    config = {
        "services": {
            "db": _service(image="postgres", environment={"POSTGRES_PASSWORD": "pg-pw-9876"}),
            "tool": _service(image="busybox", command=["login", "--password=pg-pw-9876"]),
        }
    }
    t = translate(config, root=ROOT)
    assert "pg-pw-9876" not in t.base
    assert "command" not in yaml.safe_load(t.base)["services"]["tool"]


def test_names_compose_allows_but_the_model_does_not_are_renamed(tmp_path: Path) -> None:
    config = {
        "name": "My_Project",
        "services": {
            "Web_App": _service(image="example/web:1", ports=_ports(3000)),
            "my_db": _service(image="postgres:17", environment={"POSTGRES_USER": "App-User"}),
        },
    }
    t = translate(config, root=ROOT)
    env = _loads(t.base, t.dev, tmp_path)
    assert env.project == "my-project"
    assert set(env.services) == {"web-app"} and set(env.components) == {"my-db"}
    attention = " ".join(t.attention)
    assert "renamed to web-app" in attention and "App-User" in attention


def test_the_starter_loads(tmp_path: Path) -> None:
    base, dev = starter("new-shop")
    env = _loads(base, dev, tmp_path)
    assert env.project == "new-shop" and env.exposure.publish == "all"
    assert "#  postgres:" in base


def _compose_project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "compose.yaml").write_text("services: {}\n")
    return root


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "envs").mkdir(parents=True)
    (root / "envs" / "dev.yaml").write_text("keep: me\n")
    with pytest.raises(GreenroomError) as caught:
        init_project(root)
    assert "envs/dev.yaml" in str(caught.value) and "--force" in str(caught.value)
    assert (root / "envs" / "dev.yaml").read_text() == "keep: me\n"
    assert not (root / "envs" / "base.yaml").exists()


def test_init_without_a_compose_file_writes_the_starter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    result = init_project(root, as_json=True)
    assert result.compose is None
    out = json.loads(capsys.readouterr().out)
    assert out["compose"] is None and "envs/base.yaml" in out["written"]
    load_from_dir(root / "envs", "dev", root=root, environ={})


def test_init_with_force_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "proj"
    (root / "envs").mkdir(parents=True)
    (root / "envs" / "base.yaml").write_text("old\n")
    init_project(root, force=True)
    assert (root / "envs" / "base.yaml").read_text().startswith("# yaml-language-server")
    assert "starter" in capsys.readouterr().out


def test_init_translates_through_compose_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import greenroom.tooling.compose as compose

    root = _compose_project(tmp_path)
    calls: list[Path] = []

    def fake(path: Path) -> tuple[dict[str, Any], list[str]]:
        calls.append(path)
        warning = 'time="x" level=warning msg="The \\"X\\" variable is not set."'
        return json.loads(json.dumps(SHOP).replace(ROOT, str(root))), [warning]

    monkeypatch.setattr(compose, "compose_config", fake)
    result = init_project(root, as_json=True)
    assert calls == [root / "compose.yaml"]
    out = json.loads(capsys.readouterr().out)
    assert out["compose"] == "compose.yaml"
    assert out["warnings"] == ['The "X" variable is not set.']
    assert any(row["compose"] == "db" and row["kind"] == "postgres" for row in out["services"])
    assert result.written[0] == root / "envs" / "base.yaml"
    for password in PASSWORDS:
        assert password not in (root / "envs" / "base.yaml").read_text()


def test_a_translation_that_would_not_load_is_reported_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import greenroom.tooling.compose as compose

    root = _compose_project(tmp_path)
    bad = {"services": {"web": _service(image="Example/Web:1")}}
    monkeypatch.setattr(compose, "compose_config", lambda path: (bad, []))
    with pytest.raises(GreenroomError) as caught:
        init_project(root)
    assert caught.value.exit_code == 2
    assert "compose.yaml could not be translated" in str(caught.value)
    assert "services.web.image" in str(caught.value)
    assert not (root / "envs").exists()


def test_a_compose_file_compose_refuses_is_a_clean_error(tmp_path: Path) -> None:
    """Runs the real CLI path with a fake `docker` that fails like Compose does."""
    root = _compose_project(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "docker"
    message = "validating $3: services.a additional properties 'imagee' not allowed"
    fake.write_text(f'#!/bin/sh\necho "{message}" >&2\nexit 15\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [sys.executable, "-m", "greenroom", "init"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Compose cannot read" in result.stderr and "compose.yaml" in result.stderr
    assert "'imagee' not allowed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "envs").exists()


def test_the_work_dir_is_ignored_by_git_once(tmp_path: Path) -> None:
    from greenroom.init.project import _ignore_workdir

    (tmp_path / ".gitignore").write_text(".venv/")
    assert _ignore_workdir(tmp_path) == tmp_path / ".gitignore"
    assert _ignore_workdir(tmp_path) is None
    assert (tmp_path / ".gitignore").read_text() == ".venv/\n/.greenroom/\n"
