"""The HTTP API: create and read orders, rate-limited per client, with health and metrics."""

from __future__ import annotations

import json
import logging
import time

import psycopg
from psycopg_pool import PoolTimeout
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orders.cache import OrderCache, RateLimiter
from orders.config import Settings
from orders.domain import PENDING, InvalidOrder, parse_new_order, parse_order_id
from orders.health import health_endpoint
from orders.logs import Redactor
from orders.metrics import ORDERS_CREATED, MetricsMiddleware, metrics_endpoint
from orders.resources import Resources
from orders.store import create_order, get_order

log = logging.getLogger(__name__)


def _resources(request: Request) -> Resources:
    res: Resources = request.app.state.resources
    return res


async def _limited(request: Request) -> Response | None:
    limiter: RateLimiter = request.app.state.limiter
    client = request.client.host if request.client else "unknown"
    retry_after = await limiter.check(client, time.time())
    if retry_after is None:
        return None
    return JSONResponse(
        {"error": "rate limit exceeded", "retry_after": retry_after},
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )


async def post_order(request: Request) -> Response:
    if (limited := await _limited(request)) is not None:
        return limited
    try:
        body = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return JSONResponse({"error": "body is not JSON"}, status_code=400)
    try:
        order = parse_new_order(body)
    except InvalidOrder as exc:
        return JSONResponse({"error": "invalid order", "fields": exc.problems}, status_code=422)
    pool = _resources(request).pool
    assert pool is not None
    event = await create_order(pool, order)
    ORDERS_CREATED.inc()
    log.info("order created", extra={"order_id": event.order_id})
    return JSONResponse(
        {"id": event.order_id, "status": PENDING},
        status_code=201,
        headers={"Location": f"/orders/{event.order_id}"},
    )


async def read_order(request: Request) -> Response:
    if (limited := await _limited(request)) is not None:
        return limited
    order_id = parse_order_id(request.path_params["order_id"])
    if order_id is None:
        return JSONResponse({"error": "no such order"}, status_code=404)
    cache: OrderCache = request.app.state.cache
    order = await cache.get(order_id)
    if order is None:
        pool = _resources(request).pool
        assert pool is not None
        order = await get_order(pool, order_id)
        if order is None:
            return JSONResponse({"error": "no such order"}, status_code=404)
        await cache.put(order)
    return JSONResponse(order)


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    """Postgres trouble is a 503 the client may retry, not a 500 with a traceback."""
    extra = {"error": type(exc).__name__, "path": request.url.path}
    log.warning("database unavailable", extra=extra)
    return JSONResponse({"error": "database unavailable, retry later"}, status_code=503)


def create_app(settings: Settings, res: Resources) -> Starlette:
    """The API app over already-open resources (the caller owns their lifecycle)."""
    assert res.redis is not None
    app = Starlette(
        exception_handlers={
            psycopg.OperationalError: _database_unavailable,
            PoolTimeout: _database_unavailable,
        },
        routes=[
            Route("/orders", post_order, methods=["POST"]),
            Route("/orders/{order_id}", read_order, methods=["GET"]),
            Route("/healthz", health_endpoint(res.checks, Redactor(settings.secrets()))),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ],
    )
    app.state.resources = res
    app.state.cache = OrderCache(res.redis, settings.order_cache_ttl)
    app.state.limiter = RateLimiter(res.redis, settings.rate_limit_per_minute)
    app.add_middleware(MetricsMiddleware)
    return app
