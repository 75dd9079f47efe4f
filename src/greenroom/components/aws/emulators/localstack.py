"""LocalStack: one process for every AWS service; ready when the model's services report so."""

from __future__ import annotations

import json

from greenroom.components.access import ProbeFailed, http_get
from greenroom.components.aws.emulators import Emulator, register

PORT = 4566


def _environment(services: list[str]) -> dict[str, str]:
    environment = {"LOCALSTACK_AUTH_TOKEN": "${LOCALSTACK_AUTH_TOKEN:-}"}
    if services:
        environment |= {"SERVICES": ",".join(services), "EAGER_SERVICE_LOADING": "1"}
    return environment


def _ready(endpoint: str, services: list[str]) -> None:
    states = json.loads(http_get(f"{endpoint}/_localstack/health")).get("services", {})
    waiting = sorted(s for s in services if states.get(s) not in {"available", "running"})
    if waiting:
        raise ProbeFailed(f"LocalStack services not ready: {', '.join(waiting)}")


register(
    Emulator(
        name="localstack",
        image="localstack",
        port=PORT,
        health=["CMD", "curl", "-fsS", f"http://127.0.0.1:{PORT}/_localstack/health"],
        environment=_environment,
        ready=_ready,
    )
)
