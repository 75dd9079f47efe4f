"""Dependency checks run concurrently; one down dependency makes the process unhealthy."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from orders.metrics import MetricsMiddleware, metrics_endpoint

Check = Callable[[], Awaitable[object]]
Redact = Callable[[str], str]


@dataclass(frozen=True)
class DependencyStatus:
    ok: bool
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"status": "up"} if self.ok else {"status": "down", "error": self.error}


def describe(exc: BaseException, redact: Redact) -> str:
    """A short, secret-free reason: the exception type and its first line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    reason = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return redact(reason)[:200]


async def _run_one(check: Check, timeout: float, redact: Redact) -> DependencyStatus:
    try:
        await asyncio.wait_for(check(), timeout)
    except TimeoutError:
        return DependencyStatus(False, f"no answer within {timeout:g}s")
    except Exception as exc:
        return DependencyStatus(False, describe(exc, redact))
    return DependencyStatus(True)


async def run_checks(
    checks: Mapping[str, Check], *, timeout: float = 2.0, redact: Redact = str
) -> dict[str, DependencyStatus]:
    """Every check at once, each bounded by ``timeout`` so a hung dependency reads as down."""
    names = list(checks)
    results = await asyncio.gather(*(_run_one(checks[n], timeout, redact) for n in names))
    return dict(zip(names, results, strict=True))


def aggregate(statuses: Mapping[str, DependencyStatus]) -> tuple[int, dict[str, Any]]:
    """200 when every dependency is up, else 503; the body names each dependency's state."""
    healthy = all(s.ok for s in statuses.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "dependencies": {name: s.as_dict() for name, s in sorted(statuses.items())},
    }
    return (200 if healthy else 503), body


def health_endpoint(
    checks: Callable[[], Mapping[str, Check]], redact: Redact = str
) -> Callable[[Request], Awaitable[JSONResponse]]:
    """``GET /healthz``; ``checks`` is read per request because resources open after start."""

    async def healthz(_: Request) -> JSONResponse:
        code, body = aggregate(await run_checks(checks(), redact=redact))
        return JSONResponse(body, status_code=code)

    return healthz


def health_app(checks: Callable[[], Mapping[str, Check]], redact: Redact = str) -> Starlette:
    """The side server of the worker and relay roles: /healthz and /metrics only."""
    app = Starlette(
        routes=[
            Route("/healthz", health_endpoint(checks, redact), methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ]
    )
    app.add_middleware(MetricsMiddleware)
    return app
