"""moto's server: every service in one process, listening where LocalStack does (MOTO_PORT),
so switching emulators moves no host port."""

from __future__ import annotations

from greenroom.components.access import http_get
from greenroom.components.aws.emulators import Emulator, register

PORT = 4566


def _ready(endpoint: str, services: list[str]) -> None:
    """moto's own API answers once the server is up (ProbeFailed until then)."""
    http_get(f"{endpoint}/moto-api/")


register(
    Emulator(
        name="moto",
        image="moto",
        port=PORT,
        health=[
            "CMD",
            "python3",
            "-c",
            "import urllib.request; "
            f"urllib.request.urlopen('http://127.0.0.1:{PORT}/moto-api/', timeout=4)",
        ],
        environment=lambda services: {"MOTO_PORT": str(PORT)},
        ready=_ready,
    )
)
