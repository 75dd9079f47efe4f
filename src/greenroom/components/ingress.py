"""The front door: nginx routing path prefixes to the team's services."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from greenroom.components import register
from greenroom.components.access import Access, HttpConnection, Probe, probe_http
from greenroom.components.base import (
    Base,
    Diagram,
    Edge,
    Fragment,
    RenderContext,
    healthcheck,
    node_id,
)
from greenroom.model.types import ComponentBase, Name, Spec, Text

if TYPE_CHECKING:
    from greenroom.model.environment import Environment
    from greenroom.model.refs import References

CONF = "/etc/nginx/conf.d/default.conf"
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")

HEAD = """\
# The environment's ingress routes; upstreams resolve per request through Docker's DNS,
# so scaled or restarted services are found without reloading nginx.
server {
    listen @PORT@;
    server_name _;
    resolver 127.0.0.11 valid=5s ipv6=off;

    location = /healthz {
        access_log off;
        default_type text/plain;
        return 200 "ok\\n";
    }
"""

ROUTE = """
    location @PATH@ {
        set $upstream_@VAR@ @HOST@:@PORT@;
        proxy_pass http://$upstream_@VAR@;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Request-Id $request_id;
    }
"""


def _fill(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    return template


class Route(Spec):
    path: str = Field(default="/", pattern=r"^/")
    service: Name


class Ingress(ComponentBase):
    """The front door (nginx): routes paths to app services."""

    kind: Literal["ingress"] = "ingress"
    version: Text | None = "1.26"
    zone: Name = "edge"
    routes: list[Route] = Field(min_length=1)
    port: int = Field(default=8080, ge=1, le=65535)


@register("ingress")
class IngressComponent(Base[Ingress]):
    """nginx's config is rendered from the routes; its own /healthz answers the healthcheck."""

    spec_model = Ingress
    why_nothing_to_refuse = "the ingress passes requests to the services behind it"

    def check(self, c: References) -> None:
        key, ingress = self.name, self.spec
        seen: set[str] = set()
        for i, route in enumerate(ingress.routes):
            where = ("components", key, "routes", i, "path")
            if not _SAFE_PATH.match(route.path):
                c.add(
                    where,
                    f"route path `{route.path}` has characters nginx would misread; use letters, "
                    "digits and . _ ~ / -",
                )
            elif route.path in seen:
                c.add(where, f"route path `{route.path}` is routed twice; give each route its own")
            seen.add(route.path)
            path = ("components", key, "routes", i, "service")
            service = c.env.services.get(route.service)
            if service is None:
                c.missing(
                    path, f"route `{route.path}`", "service", route.service, list(c.env.services)
                )
            elif service.port is None:
                c.add(
                    path,
                    f"route `{route.path}` points at service `{route.service}`, which has no "
                    "port; give the service a port: or route to one that has",
                )

    shape = "gateway"

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        return {self.name: (self.spec.port,)}

    def depends_on(self) -> tuple[str, ...]:
        return tuple(sorted({route.service for route in self.spec.routes}))

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        port = self.spec.port
        return {
            self.name: {
                "image": ctx.image("nginx", self.spec.version),
                "volumes": [f"./{self.name}/default.conf:{CONF}:ro"],
                "healthcheck": healthcheck(
                    ["CMD", "curl", "-fsS", f"http://127.0.0.1:{port}/healthz"]
                ),
            }
        }

    def images(self) -> tuple[str, ...]:
        return ("nginx",)

    def url(self, access: Access) -> str:
        return f"http://{access.host}:{access.port(self.name, self.spec.port)}"

    def probe(self, access: Access) -> Probe:
        # Through the proxy to the first route: a 5xx means the upstream is not there yet.
        return probe_http(self.url(access) + self.spec.routes[0].path, any_answer=True)

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        return self.url(access) + "/" if access.has_port(self.name, self.spec.port) else None

    def connect(self, access: Access) -> HttpConnection | None:
        if not access.has_port(self.name, self.spec.port):
            return None
        return HttpConnection(self.url(access), self.spec.routes[0].path, any_answer=True)

    def reach(self, conn: HttpConnection) -> str:
        return conn.reach()

    def caption(self) -> str:
        return f"nginx {self.spec.version or ''} :{self.spec.port}".replace("  ", " ")

    def diagram(self) -> Diagram:
        own = super().diagram()
        routes = tuple(
            Edge(own.nodes[0].id, node_id(route.service), route.path) for route in self.spec.routes
        )
        return Diagram(nodes=own.nodes, edges=routes)

    def files(self, env: Environment) -> dict[str, str]:
        text = _fill(HEAD, PORT=str(self.spec.port))
        for route in self.spec.routes:
            text += _fill(
                ROUTE,
                PATH=route.path,
                VAR=route.service.replace("-", "_"),
                HOST=route.service,
                PORT=str(env.services[route.service].port),
            )
        return {f"{self.name}/default.conf": text + "}\n"}
