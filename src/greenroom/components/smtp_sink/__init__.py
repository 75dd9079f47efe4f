"""An SMTP sink standing in for a mail provider: it accepts every message and delivers none.

The app sends through `SMTP_HOST`/`SMTP_PORT` as it would to the provider; the team's tests read
what arrived at `<url>/messages`. It runs greenroom's Python image with a stdlib server.
"""

from __future__ import annotations

import smtplib
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from greenroom.components import register
from greenroom.components.access import Access, HttpConnection, Probe, ProbeFailed
from greenroom.components.base import Base, Client, Fragment, RenderContext, healthcheck
from greenroom.model.types import ComponentBase, Name, Text

if TYPE_CHECKING:
    from greenroom.model.environment import Environment

HOME = "/sink"
SERVER = Path(__file__).with_name("server.py")


class SmtpSink(ComponentBase):
    """Where the app's mail goes on a replica; a real target points it at the provider."""

    kind: Literal["smtp-sink"] = "smtp-sink"
    zone: Name = "ops"
    version: Text | None = None
    port: int = Field(default=25, ge=1, le=65535)
    """The SMTP port the app connects to."""
    http_port: int = Field(default=8025, ge=1, le=65535)
    """Where the received messages are listed (`GET /messages`)."""


def noop(host: str, port: int) -> str:
    """The sink's SMTP banner answers a NOOP; a ProbeFailed says what did not."""
    try:
        with smtplib.SMTP(host, port, timeout=3) as client:
            code, _ = client.noop()
    except (OSError, smtplib.SMTPException) as exc:
        raise ProbeFailed(f"no SMTP answer from {host}:{port}: {exc}") from None
    if code != 250:
        raise ProbeFailed(f"SMTP NOOP answered {code} at {host}:{port}")
    return f"SMTP at {host}:{port}"


@register("smtp-sink")
class SmtpSinkComponent(Base[SmtpSink]):
    spec_model = SmtpSink
    why_nothing_to_refuse = "a sink accepts mail from whoever sends it"

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        return {self.name: (self.spec.port, self.spec.http_port)}

    def images(self) -> tuple[str, ...]:
        return ("python",)

    def caption(self) -> str:
        return f"smtp sink :{self.spec.port}"

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        web = self.spec.http_port
        fragment: Fragment = {
            "image": ctx.image("python", self.spec.version),
            "command": ["python3", f"{HOME}/server.py"],
            "environment": {
                "SMTP_PORT": str(self.spec.port),
                "HTTP_PORT": str(web),
                "PYTHONUNBUFFERED": "1",
            },
            "volumes": [f"./{self.name}/server.py:{HOME}/server.py:ro"],
            "healthcheck": healthcheck(
                ["CMD", "curl", "-fsS", "-o", "/dev/null", f"http://127.0.0.1:{web}/health"]
            ),
        }
        return {self.name: fragment}

    def files(self, env: Environment) -> dict[str, str]:
        return {f"{self.name}/server.py": SERVER.read_text(encoding="utf-8")}

    def client(self) -> Client:
        return Client(env={"SMTP_HOST": self.name, "SMTP_PORT": str(self.spec.port)})

    def _reachable(self, access: Access) -> bool:
        return access.has_port(self.name, self.spec.port) and access.has_port(
            self.name, self.spec.http_port
        )

    def probe(self, access: Access) -> Probe:
        def run() -> str:
            return noop(access.host, access.port(self.name, self.spec.port))

        return run

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        if not self._reachable(access):
            return None
        return f"http://{access.host}:{access.port(self.name, self.spec.http_port)}"

    def connect(self, access: Access) -> HttpConnection | None:
        url = self.endpoint(access)
        return HttpConnection(url, "/health") if url else None

    def reach(self, conn: HttpConnection) -> str:
        return conn.reach()
