"""The Prometheus exporter of a Postgres component: pg_up and the server's statistics.

It logs in as the Postgres component's user with its password file, the way the exporter reads
`DATA_SOURCE_URI`, `DATA_SOURCE_USER` and `DATA_SOURCE_PASS_FILE`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from greenroom.components import register
from greenroom.components.access import Access, HttpConnection, Probe, ProbeFailed, http_get
from greenroom.components.base import (
    Component,
    Fragment,
    HttpComponent,
    RenderContext,
    ScrapeTarget,
    healthcheck,
    secret_path,
)
from greenroom.model.types import ComponentBase, Name, Text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from greenroom.model.environment import Environment
    from greenroom.model.refs import References

PORT = 9187


class PostgresExporter(ComponentBase):
    """Which Postgres component it watches (default: the one named `postgres`)."""

    kind: Literal["postgres-exporter"] = "postgres-exporter"
    zone: Name = "ops"
    version: Text | None = None
    postgres: Name = "postgres"


def pg_up(metrics: str) -> str | None:
    """The value of `pg_up` in an exporter's metrics text, or None when it has none."""
    for line in metrics.splitlines():
        if line.startswith("pg_up "):
            return line.split()[1]
    return None


@register("postgres-exporter")
class PostgresExporterComponent(HttpComponent[PostgresExporter]):
    """Its secrets and connection come from the Postgres component it watches."""

    spec_model = PostgresExporter
    health = "/metrics"
    why_nothing_to_refuse = "the exporter's metrics have no authentication"

    def __init__(self, name: str, spec: PostgresExporter) -> None:
        super().__init__(name, spec)
        self.login: dict[str, str] = {}

    def check(self, c: References) -> None:
        target = c.env.components.get(self.spec.postgres)
        if target is None or target.kind != "postgres":
            declared = [n for n, s in c.env.components.items() if s.kind == "postgres"]
            c.missing(
                ("components", self.name, "postgres"),
                f"postgres-exporter `{self.name}`",
                "postgres component",
                self.spec.postgres,
                declared,
            )

    def attach(self, others: Mapping[str, Component]) -> None:
        watched = others.get(self.spec.postgres)
        spec = getattr(watched, "spec", None)
        if spec is None or getattr(spec, "kind", "") != "postgres":
            return
        self.login = {
            "user": spec.user,
            "database": spec.database,
            "secret": spec.password.secret,
        }

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        return {self.name: (PORT,)}

    def depends_on(self) -> tuple[str, ...]:
        return (self.spec.postgres,)

    def images(self) -> tuple[str, ...]:
        return ("postgres-exporter",)

    def secrets(self) -> tuple[str, ...]:
        return (self.login["secret"],) if self.login else ()

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        login = self.login
        fragment: Fragment = {
            "image": ctx.image("postgres-exporter", self.spec.version),
            "environment": {
                "DATA_SOURCE_URI": f"{self.spec.postgres}:5432/{login.get('database', '')}"
                "?sslmode=disable",
                "DATA_SOURCE_USER": login.get("user", ""),
                "DATA_SOURCE_PASS_FILE": secret_path(login.get("secret", "")),
            },
            "secrets": list(self.secrets()),
            "healthcheck": healthcheck(
                ["CMD", "curl", "-fsS", "-o", "/dev/null", f"http://127.0.0.1:{PORT}/metrics"]
            ),
        }
        return {self.name: fragment}

    def scrape_targets(self) -> tuple[ScrapeTarget, ...]:
        return (ScrapeTarget(self.name, self.name, PORT),)

    def probe(self, access: Access) -> Probe:
        url = self.url(access) + "/metrics"

        def run() -> str:
            value = pg_up(http_get(url))
            if value != "1":
                raise ProbeFailed(f"pg_up is {value or 'missing'} at {url}")
            return f"pg_up 1 for {self.spec.postgres}"

        return run

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        return self.url(access) + "/metrics" if access.has_port(self.name, PORT) else None

    def reach(self, conn: HttpConnection) -> str:
        value = pg_up(http_get(conn.url + "/metrics"))
        if value != "1":
            raise AssertionError(f"pg_up is {value or 'missing'}: the exporter cannot log in")
        return f"pg_up 1 at {conn.url}"
