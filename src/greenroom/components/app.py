"""The team's own services: images from greenroom's builder, connections filled from components."""

from __future__ import annotations

from typing import TYPE_CHECKING

from greenroom.components import register
from greenroom.components.access import Access, HttpConnection, Probe, probe_http
from greenroom.components.base import (
    Base,
    Fragment,
    Readiness,
    RenderContext,
    ScrapeTarget,
    Shape,
    healthcheck,
    literal,
    secret_path,
)
from greenroom.model.types import Service

if TYPE_CHECKING:
    from greenroom.model.environment import Environment


def app_image(project: str, name: str, service: Service, ctx: RenderContext) -> str:
    """The image a service runs: the ID recorded for it once built or resolved, else its name."""
    if name in ctx.app_images:
        return ctx.app_images[name]
    if service.image:
        return service.image
    from greenroom.images.services import build_tag

    return build_tag(project, service.build or ".")


@register("app")
class AppComponent(Base[Service]):
    """One app service; a one-shot (migrations) runs to completion before its dependants start."""

    why_nothing_to_refuse = "a team's service brings its own authentication checks"

    def node_shape(self) -> Shape:
        return "job" if self.spec.one_shot else "service"

    def caption(self) -> str:
        if self.spec.one_shot:
            return "one-shot"
        spec = self.spec
        text = f":{spec.port}" if spec.port else f"health :{spec.health_port or '-'}"
        return text + (f" x{self.spec.replicas}" if self.spec.replicas != 1 else "")

    def _health_port(self) -> int | None:
        return self.spec.health_port or self.spec.port

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        if self.spec.one_shot or self.spec.replicas == 0:
            return {}
        ports = {p for p in (self.spec.port, self.spec.health_port) if p is not None}
        return {self.name: tuple(sorted(ports))} if ports else {}

    def replicas(self) -> int:
        return self.spec.replicas

    def depends_on(self) -> tuple[str, ...]:
        return tuple(self.spec.depends_on)

    def scrape_targets(self) -> tuple[ScrapeTarget, ...]:
        spec = self.spec
        port = spec.metrics_port or self._health_port()
        if not spec.metrics or port is None or spec.one_shot or not spec.replicas:
            return ()
        return (ScrapeTarget(self.name, self.name, port, spec.metrics, spec.replicas),)

    def images(self) -> tuple[str, ...]:
        """greenroom's images a build or an `image:` may stand on (made before `up` needs them)."""
        if self.spec.build is not None:
            return ("python",)
        from greenroom.images.bases import split_ref
        from greenroom.images.catalog import CATALOG

        repo = split_ref(self.spec.image or "")[0]
        return tuple(name for name, spec in CATALOG.items() if split_ref(spec.upstream)[0] == repo)

    def probe(self, access: Access) -> Probe | None:
        port = self._health_port()
        spec = self.spec
        if spec.one_shot or not spec.health or port is None or not access.has_port(self.name, port):
            return None
        return probe_http(f"http://{access.host}:{access.port(self.name, port)}{spec.health}")

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        port = self.spec.port
        if port is None or not access.has_port(self.name, port):
            return None
        return f"http://{access.host}:{access.port(self.name, port)}"

    def connect(self, access: Access) -> HttpConnection | None:
        port = self._health_port()
        spec = self.spec
        if (
            spec.one_shot
            or not spec.replicas
            or port is None
            or not access.has_port(self.name, port)
        ):
            return None
        return HttpConnection(
            f"http://{access.host}:{access.port(self.name, port)}", spec.health or "/"
        )

    def reach(self, conn: HttpConnection) -> str | None:
        return conn.reach() if self.spec.health else None

    def readiness(self) -> Readiness:
        if self.spec.one_shot:
            return "service_completed_successfully"
        if self.spec.health and self._health_port():
            return "service_healthy"
        return "service_started"

    def secrets(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.spec.secrets.values())))

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        from greenroom.components import parts

        spec = self.spec
        everything = parts(env)
        environment: dict[str, str] = {}
        secrets = set(self.secrets())
        for dependency in spec.depends_on:
            part = everything.get(dependency)
            if part is not None:
                client = part.client()
                environment |= client.env
                secrets |= set(client.secrets)
        if spec.port is not None:
            environment["PORT"] = str(spec.port)
        if spec.health_port is not None:
            environment["HEALTH_PORT"] = str(spec.health_port)
        environment |= {var: secret_path(secret) for var, secret in _file_vars(spec).items()}
        environment |= spec.env
        fragment: Fragment = {
            "image": app_image(env.project, self.name, spec, ctx),
            "environment": {key: literal(value) for key, value in environment.items()},
            "deploy": {"replicas": spec.replicas},
        }
        if spec.command:
            fragment["command"] = [literal(arg) for arg in spec.command]
        if secrets:
            fragment["secrets"] = sorted(secrets)
        port = self._health_port()
        if spec.one_shot:
            fragment["restart"] = "no"
        elif spec.health and port:
            url = f"http://127.0.0.1:{port}{spec.health}"
            fragment["healthcheck"] = healthcheck(
                ["CMD", "curl", "-fsS", literal(url)], start_period="20s"
            )
        return {self.name: fragment}


def _file_vars(spec: Service) -> dict[str, str]:
    """`secrets: {VAR: secret}` is delivered as `VAR_FILE` pointing at the mounted file."""
    return {f"{var}_FILE": secret for var, secret in spec.secrets.items()}
