"""Each locally built image answers its own protocol, honouring the official image's contract."""

from __future__ import annotations

import asyncio
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import nats
import psycopg
import pytest
import redis

from greenroom.images import CATALOG, IMAGE_NAMES, ensure_images, image_ref

Eventually = Callable[..., Any]


def _http(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def test_every_image_is_tagged_under_greenroom(local_images: dict[str, str]) -> None:
    assert set(local_images) == set(IMAGE_NAMES)
    built = {name: i for name, i in local_images.items() if not CATALOG[name].registry_only}
    assert all(image_id.startswith("sha256:") for image_id in built.values())
    # What greenroom cannot build is there only once pulled or loaded; nothing stands in for it.
    assert {name for name in local_images if name not in built} == {"grafana", "opensearch"}


def test_second_run_rebuilds_nothing(local_images: dict[str, str]) -> None:
    assert ensure_images(source="local") == local_images


def test_postgres_contract(run_container: Any, eventually: Eventually, tmp_path: Path) -> None:
    init = tmp_path / "init"
    init.mkdir()
    (init / "01-schema.sql").write_text("CREATE TABLE orders (id int PRIMARY KEY);\n")
    (init / "02-seed.sh").write_text(
        'psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" '
        '-c "INSERT INTO orders VALUES (7)"\n'
    )
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "pw").write_text("s3cret-pw")
    for path in (init, secrets, *init.iterdir(), secrets / "pw"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    container, ports = run_container(
        image_ref("postgres"),
        [5432],
        command=["-c", "max_connections=42"],
        environment={
            "POSTGRES_USER": "shop",
            "POSTGRES_PASSWORD_FILE": "/run/secrets/pw",
            "POSTGRES_DB": "orders",
        },
        volumes={
            str(init): {"bind": "/docker-entrypoint-initdb.d", "mode": "ro"},
            str(secrets): {"bind": "/run/secrets", "mode": "ro"},
        },
    )
    dsn = f"host=127.0.0.1 port={ports[5432]} user=shop password=s3cret-pw dbname=orders"

    def query() -> tuple[Any, ...]:
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            row = conn.execute(
                "SELECT 1, current_setting('max_connections'), (SELECT id FROM orders)"
            ).fetchone()
            assert row is not None
            return tuple(row)

    assert eventually(query, container) == (1, "42", 7)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn.replace("s3cret-pw", "wrong"), connect_timeout=3).close()
    code, out = container.exec_run(["sh", "-c", "pg_isready && stat -c %U $PGDATA/PG_VERSION"])
    assert code == 0, out
    assert out.decode().strip().endswith("postgres")


def test_redis_contract(run_container: Any, eventually: Eventually) -> None:
    container, ports = run_container(
        image_ref("redis"),
        [6379],
        command=["redis-server", "--requirepass", "pw-redis", "--appendonly", "yes"],
    )
    client = redis.Redis(host="127.0.0.1", port=ports[6379], password="pw-redis")
    try:
        assert eventually(client.ping, container) is True
        client.set("k", "v")
        assert client.get("k") == b"v"
    finally:
        client.close()
    code, out = container.exec_run(["redis-cli", "-a", "pw-redis", "--no-auth-warning", "ping"])
    assert (code, out.strip()) == (0, b"PONG")


def test_nats_contract(run_container: Any, eventually: Eventually) -> None:
    container, ports = run_container(
        image_ref("nats"), [4222, 8222], command=["-js", "-sd", "/data", "-m", "8222"]
    )
    url = f"nats://127.0.0.1:{ports[4222]}"

    async def roundtrip() -> bytes:
        conn = await nats.connect(url, connect_timeout=2, allow_reconnect=False)
        try:
            sub = await conn.subscribe("greenroom.test")
            await conn.publish("greenroom.test", b"hello")
            message = await sub.next_msg(timeout=5)
            return bytes(message.data)
        finally:
            await conn.close()

    status, _ = eventually(lambda: _http(f"http://127.0.0.1:{ports[8222]}/healthz"), container)
    assert status == 200
    assert asyncio.run(roundtrip()) == b"hello"
    code, out = container.exec_run(["wget", "-q", "-O-", "http://127.0.0.1:8222/healthz"])
    assert code == 0 and b"ok" in out


@pytest.mark.parametrize(
    ("name", "port", "env"),
    [
        ("localstack", 4566, {"SERVICES": "s3,sqs"}),
        ("moto", 5000, {}),
    ],
)
def test_aws_emulators_serve_s3(
    run_container: Any, eventually: Eventually, name: str, port: int, env: dict[str, str]
) -> None:
    container, ports = run_container(image_ref(name), [port], environment=env)
    endpoint = f"http://127.0.0.1:{ports[port]}"
    if name == "localstack":
        status, body = eventually(lambda: _http(f"{endpoint}/_localstack/health"), container)
        assert status == 200 and '"s3"' in body
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    bucket = f"greenroom-{uuid.uuid4().hex[:10]}"
    eventually(lambda: s3.create_bucket(Bucket=bucket), container)
    s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"rehearsed")
    assert s3.get_object(Bucket=bucket, Key="hello.txt")["Body"].read() == b"rehearsed"
    code, _ = container.exec_run(["python3", "-c", "import urllib.request"])
    assert code == 0


def test_nginx_serves_http_and_conf_d(
    run_container: Any, eventually: Eventually, tmp_path: Path
) -> None:
    conf = tmp_path / "conf.d"
    conf.mkdir(mode=0o755)
    (conf / "extra.conf").write_text(
        "server { listen 8081; location / { return 200 'from-conf-d'; } }\n"
    )
    (conf / "extra.conf").chmod(0o644)
    container, ports = run_container(
        image_ref("nginx"),
        [80, 8081],
        volumes={str(conf / "extra.conf"): {"bind": "/etc/nginx/conf.d/extra.conf", "mode": "ro"}},
    )
    status, body = eventually(lambda: _http(f"http://127.0.0.1:{ports[80]}/"), container)
    assert status == 200 and "nginx" in body
    assert _http(f"http://127.0.0.1:{ports[8081]}/") == (200, "from-conf-d")
    code, _ = container.exec_run(["curl", "-fsS", "http://127.0.0.1/"])
    assert code == 0


def test_registry_answers_v2(run_container: Any, eventually: Eventually) -> None:
    container, ports = run_container(image_ref("registry"), [5000])
    status, body = eventually(lambda: _http(f"http://127.0.0.1:{ports[5000]}/v2/"), container)
    assert (status, body.strip()) == (200, "{}")


def test_python_runs_code_and_makes_venvs(docker_client: Any, local_images: dict[str, str]) -> None:
    script = (
        "python3 -c 'import sys; print(sys.version_info[:2])' && "
        "python3 -m venv /tmp/venv && /tmp/venv/bin/pip --version >/dev/null && "
        "curl --version >/dev/null && echo venv-ok"
    )
    out = docker_client.containers.run(
        image_ref("python"),
        ["sh", "-c", script],
        remove=True,
        name=f"greenroom-test-python-{uuid.uuid4().hex[:8]}",
    ).decode()
    assert "(3, 13)" in out and "venv-ok" in out


@pytest.mark.parametrize("name", ["python", "localstack"])
def test_images_carry_no_host_configuration(
    docker_client: Any, local_images: dict[str, str], name: str
) -> None:
    script = (
        "test ! -e /etc/pip.conf && test ! -e /root/.config/pip && "
        "test ! -e /usr/sbin/policy-rc.d && "
        "! ls /etc/apt/apt.conf.d | grep -q greenroom-host && "
        'test -z "$(ls /usr/local/share/ca-certificates)" && '
        'test -z "$(ls /tmp)" && test -d /var/lib/apt/lists && echo clean'
    )
    out = docker_client.containers.run(
        image_ref(name),
        ["-c", script],
        entrypoint="sh",
        remove=True,
        name=f"greenroom-test-{name}-{uuid.uuid4().hex[:8]}",
    ).decode()
    assert out.strip() == "clean"
