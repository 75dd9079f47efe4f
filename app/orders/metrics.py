"""Prometheus metrics every role exports, and the ASGI middleware that counts requests."""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "orders_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "orders_http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)
ORDERS_CREATED = Counter("orders_created_total", "Orders accepted by the API")
EVENTS_RELAYED = Counter("orders_events_relayed_total", "Outbox rows published to NATS")
EVENTS_PROCESSED = Counter(
    "orders_events_processed_total", "Order events handled by the worker", ["outcome"]
)
EVENTS_FAILED = Counter(
    "orders_events_failed_total", "Events that failed a stage (relay, decode, process)", ["stage"]
)


def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts and times every HTTP request, labelled by route template (bounded cardinality)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            path = str(getattr(route, "path", "unmatched"))
            method = str(scope.get("method", ""))
            REQUESTS.labels(method, path, str(status)).inc()
            LATENCY.labels(method, path).observe(time.perf_counter() - start)
