"""Redis-backed order cache and fixed-window per-client rate limit; both fail open."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def order_key(order_id: str) -> str:
    return f"orders:order:{order_id}"


@dataclass(frozen=True)
class Window:
    key: str
    retry_after: int


def rate_window(client: str, now: float) -> Window:
    """The fixed one-minute window ``now`` falls in, and how long until it ends."""
    minute = int(now // WINDOW_SECONDS)
    retry_after = max(1, WINDOW_SECONDS - int(now % WINDOW_SECONDS))
    return Window(f"orders:rate:{client}:{minute}", retry_after)


class OrderCache:
    """Short-lived copies of ``GET /orders/{id}`` answers; Redis trouble only costs a DB read."""

    def __init__(self, redis: Redis, ttl: int) -> None:
        self._redis = redis
        self._ttl = ttl

    async def get(self, order_id: str) -> dict[str, Any] | None:
        try:
            raw = await self._redis.get(order_key(order_id))
        except RedisError as exc:
            log.warning("order cache read failed", extra={"error": type(exc).__name__})
            return None
        return json.loads(raw) if raw else None

    async def put(self, order: dict[str, Any]) -> None:
        try:
            await self._redis.set(order_key(order["id"]), json.dumps(order), ex=self._ttl)
        except RedisError as exc:
            log.warning("order cache write failed", extra={"error": type(exc).__name__})

    async def invalidate(self, order_id: str) -> None:
        try:
            await self._redis.delete(order_key(order_id))
        except RedisError as exc:
            log.warning("order cache invalidation failed", extra={"error": type(exc).__name__})


class RateLimiter:
    """At most ``limit`` requests per client per minute; a Redis outage lets requests through."""

    def __init__(self, redis: Redis, limit: int) -> None:
        self._redis = redis
        self._limit = limit

    async def check(self, client: str, now: float) -> int | None:
        """None when allowed, else the seconds to wait (the 429's Retry-After)."""
        window = rate_window(client, now)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(window.key)
                pipe.expire(window.key, WINDOW_SECONDS + 1)
                count, _ = await pipe.execute()
        except RedisError as exc:
            log.warning("rate limit check failed", extra={"error": type(exc).__name__})
            return None
        return window.retry_after if int(count) > self._limit else None
