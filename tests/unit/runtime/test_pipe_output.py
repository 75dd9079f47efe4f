"""What `up`, `status` and `env` print survives a pipe and a narrow terminal: every connection
string and ID whole on one line, JSON with stable keys, variables a shell reads back intact."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from greenroom.errors import ConfigError
from greenroom.listing import Listing
from greenroom.model.environment import Environment
from greenroom.progress import Progress, stdout_reserved
from greenroom.render.ports import allocate_ports
from greenroom.runtime.containers import ContainerInfo
from greenroom.runtime.hostenv import format_env, host_env
from greenroom.runtime.replica import Replica
from greenroom.runtime.report import (
    endpoints_document,
    endpoints_table,
    status_document,
    status_table,
)

PASSWORDS = {
    "pg": "p@ss:w/rd%20 'quoted' $HOME",
    "redis-password": "r#d:s/@x",
    "nats-token": "t0ken",
}
IMAGE_ID = "sha256:" + "ab12" * 16
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"


@pytest.fixture
def replica(tmp_path: Path) -> Replica:
    """A dev-like replica with auth on everywhere, its secrets in files; nothing running."""
    env = Environment.model_validate(
        {
            "name": "dev",
            "project": "shop",
            "exposure": {"publish": "all"},
            "zones": {"data": {"internal": True}, "app": {}, "ops": {}},
            "secrets": {name: {"generate": True} for name in PASSWORDS},
            "components": {
                "postgres": {"password": {"secret": "pg"}, "user": "shop", "database": "shop"},
                "redis": {"auth": True, "password": {"secret": "redis-password"}},
                "nats": {"auth": True, "token": {"secret": "nats-token"}},
                "aws": {"emulator": "moto", "region": "eu-west-1"},
            },
            "services": {
                "api": {"build": "app", "port": 8000},
                "worker": {"build": "app", "health_port": 8001, "health": "/healthz"},
            },
        }
    )
    files = {}
    for name, value in PASSWORDS.items():
        files[name] = tmp_path / name
        files[name].write_text(value)
    return Replica(
        env=env,
        root=tmp_path,
        project="shop-dev-4f021c-a-rather-long-namespace",
        dir=tmp_path / "work",
        host_ports={k: dict(v) for k, v in allocate_ports(env).items()},
        secret_files=files,
    )


def render(renderable: Any, *, terminal: bool, width: int = 80) -> str:
    """What greenroom's stdout console prints, on a terminal of ``width`` or into a pipe."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, force_terminal=terminal, soft_wrap=True, highlight=False
    )
    console.print(renderable)
    return re.sub(r"\x1b\[[0-9;]*m", "", buffer.getvalue())


def container(service: str, n: int = 1, **state: Any) -> ContainerInfo:
    fields: dict[str, Any] = {"status": "running", "health": "healthy", "exit_code": 0}
    fields.update(state)
    return ContainerInfo(
        id=f"{service}{n}", name=f"shop-dev-4f021c-a-rather-long-namespace-{service}-{n}",
        service=service, image=IMAGE_ID, created="0", ports={5432: 16432, 8222: 16822}, **fields,
    )  # fmt: skip


def lines_holding(text: str, value: str) -> list[str]:
    return [line for line in text.splitlines() if value in line]


@pytest.mark.parametrize(("terminal", "width"), [(False, 80), (True, 80), (True, 60)])
def test_every_connection_string_is_printed_whole_on_one_line(
    replica: Replica, terminal: bool, width: int
) -> None:
    out = render(endpoints_table(replica, show_secrets=True), terminal=terminal, width=width)
    access = replica.access()
    for name, part in [("postgres", "DATABASE_URL"), ("redis", "REDIS_URL")]:
        url = host_env(replica, show_secrets=True)[part]
        assert len(lines_holding(out, url)) == 1, (name, out)
    assert len(lines_holding(out, f"nats://127.0.0.1:{access.port('nats', 4222)}")) == 1
    assert ELLIPSIS not in out
    assert not re.search(r"[┃│]", out), "a table that does not fit is printed as plain lines"


def test_a_wide_terminal_gets_the_table(replica: Replica) -> None:
    out = render(endpoints_table(replica), terminal=True, width=200)
    assert "┃" in out
    assert len(lines_holding(out, "postgresql://shop:****@127.0.0.1:")) == 1


def test_the_plain_layout_is_one_aligned_record_per_line() -> None:
    table = Listing("title", ("service", "endpoint"))
    table.add_row("postgres", "postgresql://u:p@h:1/db")
    table.add_row("api", "")
    assert table.lines() == [
        "title",
        "service   endpoint",
        "postgres  postgresql://u:p@h:1/db",
        "api       -",
    ]
    with pytest.raises(ValueError, match="2 columns"):
        table.add_row("only one")


def test_status_prints_container_names_ports_and_image_ids_whole(replica: Replica) -> None:
    containers = [container("postgres"), container("nats", status="exited", exit_code=3)]
    for terminal in (False, True):
        out = render(status_table(replica, containers), terminal=terminal)
        for c in containers:
            assert len(lines_holding(out, c.name)) == 1, out
        assert len(lines_holding(out, "16432->5432,16822->8222")) == 2
        assert len(lines_holding(out, "ab12ab12ab12")) == 2
        assert "exited (3)" in out
        assert ELLIPSIS not in out


def test_markup_in_a_value_is_printed_literally() -> None:
    table = Listing("", ("service", "endpoint"))
    table.add_row("x", "redis://:[bold]pw[/bold]@h:1/0")
    assert "redis://:[bold]pw[/bold]@h:1/0" in render(table, terminal=False)
    assert "redis://:[bold]pw[/bold]@h:1/0" in render(table, terminal=True, width=200)


def test_up_json_lists_every_service_with_stable_keys_and_masks_secrets(
    replica: Replica,
) -> None:
    document = json.loads(json.dumps(endpoints_document(replica)))
    assert list(document) == ["env", "project", "services"]
    assert (document["env"], document["project"]) == ("dev", replica.project)
    by_name = {s["name"]: s for s in document["services"]}
    assert sorted(by_name) == sorted({*replica.env.components, *replica.env.services})
    assert all(list(s) == ["name", "kind", "endpoint", "reach"] for s in by_name.values())
    assert by_name["postgres"]["kind"] == "postgres"
    assert by_name["postgres"]["endpoint"].startswith("postgresql://shop:****@127.0.0.1:")
    assert by_name["worker"]["endpoint"] is None
    shown = endpoints_document(replica, show_secrets=True)
    assert "%40" in json.dumps(shown), "the password is percent-encoded in the URL"


def test_status_json_has_one_entry_per_container_and_the_problems(replica: Replica) -> None:
    containers = [container("postgres"), container("api", 1), container("api", 2)]
    document = status_document(replica, containers, ["redis (no container)"])
    assert list(document) == ["env", "project", "services", "healthy", "problems", "absent"]
    assert document["healthy"] is False
    assert document["problems"] == ["redis (no container)"]
    first = document["services"][0]
    assert list(first) == [
        "name", "kind", "container", "state", "exit_code", "health", "ports", "image", "uptime",
        "endpoint",
    ]  # fmt: skip
    assert first["image"] == IMAGE_ID
    assert first["ports"] == [
        {"container": 5432, "host": 16432},
        {"container": 8222, "host": 16822},
    ]
    assert "****" in first["endpoint"]
    assert [s["kind"] for s in document["services"]] == ["postgres", "app", "app"]
    assert json.loads(json.dumps(document)) == document


def test_each_kind_gives_its_own_host_variables(replica: Replica) -> None:
    variables = host_env(replica, show_secrets=True)
    access = replica.access()
    assert list(variables) == [
        "API_URL",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "NATS_URL",
        "NATS_TOKEN",
        "DATABASE_URL",
        "REDIS_URL",
    ]
    assert variables["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{access.port('aws', 4566)}"
    assert variables["AWS_REGION"] == variables["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert variables["NATS_TOKEN"] == "t0ken"
    assert variables["API_URL"] == f"http://127.0.0.1:{access.port('api', 8000)}"


def test_passwords_in_urls_parse_back_whole_in_their_clients(replica: Replica) -> None:
    import redis
    from psycopg.conninfo import conninfo_to_dict

    variables = host_env(replica, show_secrets=True)
    assert conninfo_to_dict(variables["DATABASE_URL"])["password"] == PASSWORDS["pg"]
    client = redis.Redis.from_url(variables["REDIS_URL"])
    assert client.connection_pool.connection_kwargs["password"] == PASSWORDS["redis-password"]


def test_secrets_are_masked_unless_asked(replica: Replica) -> None:
    masked = host_env(replica)
    assert "****" in masked["DATABASE_URL"] and "****" in masked["REDIS_URL"]
    assert masked["NATS_TOKEN"] == "****"
    assert not any(value in json.dumps(masked) for value in PASSWORDS.values())
    assert masked["AWS_SECRET_ACCESS_KEY"] == "test", "the emulator's placeholder, not a secret"


def test_export_lines_read_back_exactly_in_bash() -> None:
    variables = {"DATABASE_URL": PASSWORDS["pg"], "ODD": 'a b\n$(touch x); `x` \\ "q"'}
    script = 'eval "$GREENROOM_ENV"; printf "%s\\0%s" "$DATABASE_URL" "$ODD"'
    out = subprocess.run(
        ["bash", "-c", script],
        env={**os.environ, "GREENROOM_ENV": format_env(variables, "export")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split("\0") == list(variables.values())


def test_dotenv_and_json_read_back_exactly() -> None:
    dotenv = pytest.importorskip("dotenv")
    variables = {
        "PLAIN": "postgresql://shop:pw@127.0.0.1:16432/shop",
        "SPACED": "a b #c",
        "QUOTED": 'it\'s "x" \\ y',
    }
    parsed = dotenv.dotenv_values(stream=io.StringIO(format_env(variables, "dotenv")))
    assert parsed == variables
    assert format_env(variables, "dotenv").splitlines()[0] == f"PLAIN={variables['PLAIN']}"
    assert json.loads(format_env(variables, "json")) == variables


def test_an_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown format 'yaml'") as caught:
        format_env({}, "yaml")
    assert caught.value.hint == "use --format export, dotenv or json"


def test_progress_and_reserved_stdout_go_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with Progress(["postgres"], live=False, title="bringing up") as progress:
        progress.done("postgres", "ready")
    with stdout_reserved():
        print("a stray print")
        os.write(1, b"a child's line\n")
    print('{"document": true}')
    out, err = capfd.readouterr()
    assert out == '{"document": true}\n'
    assert "[postgres] ready" in err and "a stray print" in err and "a child's line" in err


def test_a_long_message_to_a_person_is_never_broken_at_a_width() -> None:
    from greenroom.progress import console

    url = "s3://" + "a-long-bucket-name/" * 8 + "releases.json"
    with console.capture() as captured:
        console.print(f"note: history from the local cache (reading {url}: no credentials)")
    assert url in captured.get()
    assert captured.get().count("\n") == 1
