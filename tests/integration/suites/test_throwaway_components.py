"""The plugin's throwaway components: real Postgres and Redis from the local images, then gone."""

from __future__ import annotations

import subprocess

from greenroom.components.postgres.throwaway import ThrowawayPostgres
from greenroom.components.redis import ThrowawayRedis


def test_throwaway_postgres_runs_sql_and_refuses_a_wrong_password(
    throwaway_postgres: ThrowawayPostgres,
) -> None:
    import psycopg

    with throwaway_postgres.connect(autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, note text)")
        conn.execute("INSERT INTO t VALUES (1, 'hello')")
        row = conn.execute(
            "SELECT note, current_setting('server_version_num')::int FROM t"
        ).fetchone()
    assert row is not None and row[0] == "hello" and row[1] >= 170000
    try:
        psycopg.connect(
            host=throwaway_postgres.host,
            port=throwaway_postgres.port,
            user=throwaway_postgres.user,
            password="not-the-password",
            dbname=throwaway_postgres.dbname,
            connect_timeout=5,
        ).close()
    except psycopg.OperationalError as exc:
        assert "password authentication failed" in str(exc)
    else:
        raise AssertionError("the throwaway Postgres accepted a wrong password")


def test_throwaway_redis_stores_and_expires(throwaway_redis: ThrowawayRedis) -> None:
    client = throwaway_redis.client(decode_responses=True)
    try:
        client.set("greenroom:key", "value", px=60_000)
        assert client.get("greenroom:key") == "value"
        assert 0 < client.pttl("greenroom:key") <= 60_000
        assert client.info("server")["redis_version"].startswith("8.")
    finally:
        client.close()


def test_no_throwaway_container_outlives_its_module() -> None:
    """Runs after the module's fixtures in this file were set up; earlier modules left nothing."""
    out = subprocess.run(
        [
            "docker",
            "ps",
            "-a",
            "--filter",
            "label=org.testcontainers=true",
            "--format",
            "{{.Image}}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    images = out.stdout.split()
    assert images.count("greenroom/postgres:17") <= 1
    assert images.count("greenroom/redis:8.0") <= 1
