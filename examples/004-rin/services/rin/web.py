"""What every service shares: health and metrics routes, service-to-service auth, access logs.

Inside the app zone a call must carry the shared service token (`Authorization: Bearer ...`) and
is logged with its caller; the gateway at the edge adds both. Health and metrics stay open to the
platform's probes and to Prometheus.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import nats
import uvicorn
from nats.aio.client import Client as Nats
from nats.js import JetStreamContext
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from psycopg.errors import ForeignKeyViolation
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from rin.config import load_postgres_password, nats_options, secret
from rin.metrics import REQUESTS

log = logging.getLogger("rin")
OPEN_PATHS = ("/healthz", "/metrics")


@dataclass
class Runtime:
    """The connections a service opened at start, and the background tasks it runs."""

    name: str
    pool: AsyncConnectionPool | None = None
    nc: Nats | None = None
    js: JetStreamContext | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


Background = Callable[[Runtime], Coroutine[Any, Any, None]]


async def healthz(request: Request) -> Response:
    return JSONResponse({"service": request.app.state.runtime.name, "status": "ok"})


async def metrics(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def service_app(
    name: str,
    routes: Sequence[BaseRoute],
    *,
    postgres: bool = True,
    jetstream: bool = True,
    background: Sequence[Background] = (),
    internal: bool = True,
) -> Starlette:
    """A service's ASGI app; ``internal`` services refuse calls without the service token."""
    token = secret("SERVICE_TOKEN") or ""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = Runtime(name)
        if postgres:
            load_postgres_password()
            runtime.pool = AsyncConnectionPool("", min_size=1, max_size=4, open=False)
            await runtime.pool.open(wait=True, timeout=60)
        if jetstream:
            runtime.nc = await nats.connect(**nats_options())  # type: ignore[arg-type]
            runtime.js = runtime.nc.jetstream()
        app.state.runtime = runtime
        runtime.tasks = [asyncio.create_task(job(runtime)) for job in background]
        log.info("%s started", name)
        try:
            yield
        finally:
            runtime.stop.set()
            if runtime.tasks:
                await asyncio.wait(runtime.tasks, timeout=5)
            if runtime.nc is not None:
                await runtime.nc.close()
            if runtime.pool is not None:
                await runtime.pool.close()

    app = Starlette(
        routes=[Route("/healthz", healthz), Route("/metrics", metrics), *routes],
        lifespan=lifespan,
        exception_handlers={BadRequest: bad_request, ForeignKeyViolation: unknown_reference},
    )

    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        caller = request.headers.get("x-rin-caller", "-")
        if internal and request.url.path not in OPEN_PATHS and not _authorized(request, token):
            response: Response = JSONResponse({"error": "service token required"}, status_code=401)
        else:
            response = await call_next(request)
        if request.url.path not in OPEN_PATHS:
            REQUESTS.labels(name, str(response.status_code)).inc()
            log.info(
                "%s %s %s caller=%s", request.method, request.url.path, response.status_code, caller
            )
        return response

    app.add_middleware(BaseHTTPMiddleware, dispatch=guard)
    return app


def _authorized(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(given, token)


def serve(app: Starlette) -> None:
    port = int(os.environ.get("PORT", "8080"))
    uvicorn.run(app, host="0.0.0.0", port=port, log_level="warning", access_log=False)


async def body(request: Request, *fields: str) -> dict[str, Any]:
    """The JSON body's ``fields``; a missing or empty one is a 422 with its name."""
    try:
        data = await request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise BadRequest("a JSON object is required")
    missing = [f for f in fields if not str(data.get(f) or "").strip()]
    if missing:
        raise BadRequest(f"missing: {', '.join(missing)}")
    values = {f: str(data[f]).strip() for f in fields}
    for name, value in values.items():
        if name.endswith("_id"):
            check_uuid(name, value)
    return values


def check_uuid(name: str, value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise BadRequest(f"{name} is not a UUID") from None


class BadRequest(Exception):
    """A request the service refuses with 422 and the reason."""


async def bad_request(_: Request, exc: Exception) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=422)


async def unknown_reference(_: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "unknown owner"}, status_code=404)
