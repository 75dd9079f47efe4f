"""The API gateway at the edge: routes `/v1/...` to the owning service with the service token
and its own name as the caller, so each internal call is authenticated and logged.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rin.config import secret
from rin.web import service_app

# first path segment after /v1/ -> the service that owns it (its URL from `<SERVICE>_URL`)
ROUTES = {
    "owners": "identity",
    "contacts": "contacts",
    "profiles": "profile",
    "disputes": "disputes",
    "search": "search",
    "ranks": "ranking",
}


def _upstream(service: str) -> str:
    return os.environ.get(f"{service.upper()}_URL", f"http://{service}:8080")


async def forward(request: Request) -> Response:
    segment = request.path_params["path"].split("/", 1)[0]
    service = ROUTES.get(segment)
    if service is None:
        return JSONResponse({"error": f"no route for /v1/{segment}"}, status_code=404)
    client: httpx.AsyncClient = request.app.state.client
    headers = {
        "authorization": f"Bearer {secret('SERVICE_TOKEN') or ''}",
        "x-rin-caller": "gateway",
        "content-type": request.headers.get("content-type", "application/json"),
    }
    try:
        answer = await client.request(
            request.method,
            f"{_upstream(service)}{request.url.path}",
            params=request.query_params,
            content=await request.body(),
            headers=headers,
        )
    except httpx.HTTPError as exc:
        return JSONResponse({"error": f"{service} unavailable: {exc}"}, status_code=502)
    return Response(
        answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
    )


def gateway() -> Starlette:
    app = service_app(
        "gateway",
        [Route("/v1/{path:path}", forward, methods=["GET", "POST", "PUT"])],
        postgres=False,
        jetstream=False,
        internal=False,
    )
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with inner(app), httpx.AsyncClient(timeout=10) as client:
            app.state.client = client
            yield

    app.router.lifespan_context = lifespan
    return app
