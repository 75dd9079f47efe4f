"""An HTTP stub of a third-party API (payments, maps, sign-in): declared answers, recorded calls.

The app calls it as it would the provider, through `<NAME>_URL`; the team's tests read what it
received at `<url>/__stub/requests`. It runs greenroom's Python image with a stdlib server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator

from greenroom.components import register
from greenroom.components.base import (
    Client,
    Fragment,
    HttpComponent,
    RenderContext,
    healthcheck,
    url_variable,
)
from greenroom.model.types import ComponentBase, Name, Spec, Text

if TYPE_CHECKING:
    from greenroom.model.environment import Environment

OWN = "/__stub/"
HEALTH = OWN + "health"
HOME = "/stub"
SERVER = Path(__file__).with_name("server.py")


class StubResponse(Spec):
    status: int = Field(default=200, ge=100, le=599)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    """Sent as JSON."""


class Expectation(Spec):
    """One request the stub answers: its method and exact path, and the response."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    path: Annotated[str, Field(pattern=r"^/[A-Za-z0-9._~/%-]*$")]
    response: StubResponse = Field(default_factory=StubResponse)

    @field_validator("path")
    @classmethod
    def _not_the_stubs_own(cls, value: str) -> str:
        if value.startswith(OWN):
            raise ValueError(f"paths under {OWN} are the stub's own (health, requests)")
        return value


class HttpStub(ComponentBase):
    """A provider's API as the app sees it on a replica; a real target points the app elsewhere."""

    kind: Literal["http-stub"] = "http-stub"
    zone: Name = "ops"
    version: Text | None = None
    port: int = Field(default=8080, ge=1, le=65535)
    expectations: list[Expectation] = Field(min_length=1)


@register("http-stub")
class HttpStubComponent(HttpComponent[HttpStub]):
    spec_model = HttpStub
    health = HEALTH
    why_nothing_to_refuse = "a stub answers whoever calls it"

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        return {self.name: (self.spec.port,)}

    def images(self) -> tuple[str, ...]:
        return ("python",)

    def caption(self) -> str:
        return f"stub :{self.spec.port}<br/>{len(self.spec.expectations)} expectation(s)"

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        port = self.spec.port
        fragment: Fragment = {
            "image": ctx.image("python", self.spec.version),
            "command": ["python3", f"{HOME}/server.py", f"{HOME}/expectations.json"],
            "environment": {"PORT": str(port), "PYTHONUNBUFFERED": "1"},
            "volumes": [
                f"./{self.name}/server.py:{HOME}/server.py:ro",
                f"./{self.name}/expectations.json:{HOME}/expectations.json:ro",
            ],
            "healthcheck": healthcheck(
                ["CMD", "curl", "-fsS", "-o", "/dev/null", f"http://127.0.0.1:{port}{HEALTH}"]
            ),
        }
        return {self.name: fragment}

    def files(self, env: Environment) -> dict[str, str]:
        declared = [e.model_dump(mode="json") for e in self.spec.expectations]
        return {
            f"{self.name}/server.py": SERVER.read_text(encoding="utf-8"),
            f"{self.name}/expectations.json": json.dumps(declared, indent=2) + "\n",
        }

    def client(self) -> Client:
        return Client(env={url_variable(self.name): f"http://{self.name}:{self.spec.port}"})
