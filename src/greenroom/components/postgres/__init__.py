"""PostgreSQL: the primary, and on request a streaming read replica beside it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from pydantic import SecretStr

from greenroom.components import register
from greenroom.components.access import Access, Probe, ProbeFailed
from greenroom.components.base import (
    Base,
    Client,
    Diagram,
    Edge,
    Fixture,
    Fragment,
    Node,
    Observed,
    RenderContext,
    healthcheck,
    literal,
    node_id,
    secret_path,
)
from greenroom.components.postgres import connection
from greenroom.components.postgres.connection import PostgresConnection
from greenroom.components.postgres.spec import Postgres
from greenroom.components.postgres.throwaway import throwaway_postgres
from greenroom.components.report import Report

if TYPE_CHECKING:
    from greenroom.components.environ import Environ
    from greenroom.model.environment import Environment
    from greenroom.model.types import ReplayState

PORT = 5432
DATA = "/var/lib/postgresql/data"
REPLICATION_USER = "replicator"
REPLICA_SCRIPT = "/greenroom/replica.sh"

INIT_REPLICATION = """\
#!/bin/sh
# Lets the read replica stream from this primary: a replication role and a pg_hba rule.
# The role's password is the superuser's, read from the secret file at init time.
set -e
if [ -z "${POSTGRES_PASSWORD:-}" ] && [ -r "${POSTGRES_PASSWORD_FILE:-}" ]; then
  POSTGRES_PASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"
  export POSTGRES_PASSWORD
fi
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
\\getenv replication_password POSTGRES_PASSWORD
CREATE ROLE @USER@ WITH REPLICATION LOGIN PASSWORD :'replication_password';
SQL
printf '%s\\n' 'host replication @USER@ all scram-sha-256' >> "$PGDATA/pg_hba.conf"
""".replace("@USER@", REPLICATION_USER)

REPLICA = """\
#!/bin/sh
# A streaming read replica: clone the primary once with pg_basebackup, then follow it.
# Runs as root to read the secret file, then drops to the postgres user.
set -eu
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
passfile=/var/lib/postgresql/.replica.pgpass
if command -v gosu >/dev/null 2>&1; then as_postgres="gosu postgres"
elif command -v su-exec >/dev/null 2>&1; then as_postgres="su-exec postgres"
else as_postgres="setpriv --reuid=postgres --regid=postgres --init-groups"
fi
umask 077
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres /var/run/postgresql
chmod 3777 /var/run/postgresql
printf '%s:%s:*:%s:%s\\n' "$PRIMARY_HOST" "$PRIMARY_PORT" "$REPLICATION_USER" \\
  "$(sed 's/[\\\\:]/\\\\&/g' "$REPLICATION_PASSWORD_FILE")" > "$passfile"
chown postgres:postgres "$passfile" "$PGDATA"
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT"; do sleep 1; done
  $as_postgres env PGPASSFILE="$passfile" pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" \\
    -U "$REPLICATION_USER" -D "$PGDATA" -X stream -w
fi
$as_postgres touch "$PGDATA/standby.signal"
exec $as_postgres postgres -c hot_standby=on -c "listen_addresses=*" \\
  -c "primary_conninfo=host=$PRIMARY_HOST port=$PRIMARY_PORT user=$REPLICATION_USER \\
passfile=$passfile application_name=$REPLICA_NAME" "$@"
"""


@register("postgres")
class PostgresComponent(Base[Postgres]):
    """The primary is the official image's entrypoint; the replica runs greenroom's script."""

    spec_model = Postgres
    shape = "database"
    fixtures: ClassVar[Mapping[str, Fixture]] = {
        "pg_conn": Fixture(connection.pg_conn),
        "throwaway_postgres": Fixture(throwaway_postgres, scope="module", standalone=True),
    }

    @property
    def replica(self) -> str:
        """The Compose service of the read replica."""
        return f"{self.name}-replica"

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        ports: dict[str, tuple[int, ...]] = {self.name: (PORT,)}
        if self.spec.read_replica:
            ports[self.replica] = (PORT,)
        return ports

    def _settings(self) -> list[str]:
        settings = {"listen_addresses": "*"}
        if self.spec.read_replica:
            settings |= {"wal_level": "replica", "max_wal_senders": "10", "hot_standby": "on"}
        settings |= self.spec.settings
        return [
            arg for key in sorted(settings) for arg in ("-c", literal(f"{key}={settings[key]}"))
        ]

    def _ready(self) -> Fragment:
        return healthcheck(
            [
                "CMD",
                "pg_isready",
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                str(PORT),
                "-U",
                self.spec.user,
                "-d",
                self.spec.database,
            ],
            start_period="30s",
            retries=60,
        )

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        image = ctx.image("postgres", self.spec.version)
        password = self.spec.password.secret
        primary: Fragment = {
            "image": image,
            "command": ["postgres", *self._settings()],
            "environment": {
                "POSTGRES_USER": self.spec.user,
                "POSTGRES_DB": self.spec.database,
                "POSTGRES_PASSWORD_FILE": secret_path(password),
            },
            "volumes": [f"{self.name}-data:{DATA}"],
            "secrets": [password],
            "healthcheck": self._ready(),
        }
        out = {self.name: primary}
        if not self.spec.read_replica:
            return out
        primary["volumes"].append(
            f"./{self.name}/init-replication.sh:/docker-entrypoint-initdb.d/10-replication.sh:ro"
        )
        user_settings = self.spec.settings
        out[self.replica] = {
            "image": image,
            "entrypoint": ["sh", REPLICA_SCRIPT],
            "command": [
                arg
                for key in sorted(user_settings)
                for arg in ("-c", literal(f"{key}={user_settings[key]}"))
            ],
            "environment": {
                "PGDATA": DATA,
                "PRIMARY_HOST": self.name,
                "PRIMARY_PORT": str(PORT),
                "REPLICATION_USER": REPLICATION_USER,
                "REPLICATION_PASSWORD_FILE": secret_path(password),
                "REPLICA_NAME": self.replica.replace("-", "_"),
            },
            "volumes": [
                f"{self.replica}-data:{DATA}",
                f"./{self.name}/replica.sh:{REPLICA_SCRIPT}:ro",
            ],
            "secrets": [password],
            "depends_on": {self.name: {"condition": "service_healthy"}},
            "healthcheck": self._ready(),
        }
        return out

    def volumes(self) -> tuple[str, ...]:
        data = (f"{self.name}-data",)
        return (*data, f"{self.replica}-data") if self.spec.read_replica else data

    def files(self, env: Environment) -> dict[str, str]:
        if not self.spec.read_replica:
            return {}
        return {
            f"{self.name}/init-replication.sh": INIT_REPLICATION,
            f"{self.name}/replica.sh": REPLICA,
        }

    def secrets(self) -> tuple[str, ...]:
        return (self.spec.password.secret,)

    def diagram(self) -> Diagram:
        own = super().diagram()
        if not self.spec.read_replica:
            return own
        replica = Node(
            node_id(self.replica), f"{self.replica}<br/>read replica", "database", self.zone
        )
        streaming = Edge(node_id(self.name), replica.id, "streaming", dotted=True)
        return Diagram(nodes=(*own.nodes, replica), edges=(streaming,))

    def images(self) -> tuple[str, ...]:
        return ("postgres",)

    def probe(self, access: Access) -> Probe:
        def run() -> str:
            import psycopg

            try:
                with self.connect(access).connect(timeout=3) as conn:
                    version = conn.execute("SHOW server_version").fetchone()
            except psycopg.Error as exc:
                raise ProbeFailed(f"SELECT failed: {str(exc).strip().splitlines()[0]}") from None
            return f"PostgreSQL {version[0] if version else '?'}"

        return run

    def provision(self, access: Access) -> Report | None:
        if not self.spec.extra_databases:
            return None
        from greenroom.components.postgres.provision import provision_postgres

        return provision_postgres(
            self.spec,
            host=access.host,
            port=access.port(self.name, PORT),
            password=access.secret(self.spec.password.secret),
        )

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        if not access.has_port(self.name, PORT):
            return None
        spec = self.spec
        password = access.shown_in_url(spec.password.secret, show_secrets)
        port = access.port(self.name, PORT)
        return f"postgresql://{spec.user}:{password}@{access.host}:{port}/{spec.database}"

    def host_env(self, access: Access, *, show_secrets: bool = False) -> dict[str, str]:
        """`DATABASE_URL`: what psql, psycopg, SQLAlchemy and most frameworks read."""
        url = self.endpoint(access, show_secrets=show_secrets)
        return {"DATABASE_URL": url} if url else {}

    def client(self) -> Client:
        return Client(
            env={
                "PGHOST": self.name,
                "PGPORT": str(PORT),
                "PGUSER": self.spec.user,
                "PGDATABASE": self.spec.database,
                "PGPASSWORD_FILE": secret_path(self.spec.password.secret),
            },
            secrets=(self.spec.password.secret,),
        )

    def observe(self, conn: PostgresConnection, state: ReplayState) -> dict[str, Observed]:
        from greenroom.components.postgres import state as rows

        return rows.observe(conn, state.tables) if state.tables else {}

    def reset(self, conn: PostgresConnection, state: ReplayState) -> None:
        from greenroom.components.postgres import state as rows

        rows.reset(conn, list(state.tables))

    def connect(self, access: Access) -> PostgresConnection:
        return PostgresConnection(
            host=access.host,
            port=access.port(self.name, PORT),
            user=self.spec.user,
            database=self.spec.database,
            password=access.secrets[self.spec.password.secret],
        )

    def connect_environ(self, environ: Environ) -> PostgresConnection:
        return PostgresConnection(
            host=environ.need("PGHOST"),
            port=environ.port("PGPORT", PORT),
            user=environ.get("PGUSER") or self.spec.user,
            database=environ.get("PGDATABASE") or self.spec.database,
            password=SecretStr(environ.need("PGPASSWORD")),
        )

    def reach(self, conn: PostgresConnection) -> str:
        return connection.reach(conn)

    def refuse(self, conn: PostgresConnection) -> str:
        return connection.refuse(conn)
