"""Postgres databases and owners beyond the one the image creates, converged idempotently."""

from __future__ import annotations

from greenroom.components.postgres.spec import Postgres
from greenroom.components.report import Report
from greenroom.errors import ReplicaError


def provision_postgres(spec: Postgres, *, host: str, port: int, password: str) -> Report:
    """Create the extra databases (and their owner roles) the model declares."""
    import psycopg
    from psycopg import sql

    report = Report()
    try:
        with psycopg.connect(
            host=host,
            port=port,
            user=spec.user,
            password=password,
            dbname=spec.database,
            autocommit=True,
            connect_timeout=5,
        ) as conn:
            for extra in spec.extra_databases:
                owner = extra.owner or spec.user
                if (
                    owner != spec.user
                    and not conn.execute(
                        "SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,)
                    ).fetchone()
                ):
                    conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(owner)))
                    report.add(f"postgres role {owner}")
                if not conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (extra.database,)
                ).fetchone():
                    conn.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(
                            sql.Identifier(extra.database), sql.Identifier(owner)
                        )
                    )
                report.add(f"postgres database {extra.database}")
    except psycopg.Error as exc:
        raise ReplicaError(
            f"provisioning Postgres failed: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",
            hint="check `inv logs <env> --service postgres`",
        ) from exc
    return report
