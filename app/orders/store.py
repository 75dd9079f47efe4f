"""SQL for orders, the outbox and the processed-events ledger, all against one pool."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from orders.domain import ORDER_CREATED, PENDING, RECEIPTED, NewOrder, OrderEvent

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]


def _iso(value: datetime) -> str:
    return value.isoformat()


async def create_order(pool: Pool, order: NewOrder) -> OrderEvent:
    """Insert the order and its outbox row in one transaction: both or neither."""
    order_id = uuid.uuid4()
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(
            "INSERT INTO orders (id, sku, quantity, customer, status) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING created_at",
            (order_id, order.sku, order.quantity, order.customer, PENDING),
        )
        row = await cur.fetchone()
        assert row is not None
        event = OrderEvent(
            order_id=str(order_id),
            sku=order.sku,
            quantity=order.quantity,
            customer=order.customer,
            created_at=_iso(row["created_at"]),
        )
        await conn.execute(
            "INSERT INTO outbox (id, aggregate_id, event_type, payload) VALUES (%s, %s, %s, %s)",
            (uuid.uuid4(), order_id, ORDER_CREATED, Jsonb(event.as_dict())),
        )
    return event


async def get_order(pool: Pool, order_id: str) -> dict[str, Any] | None:
    """The order as the API shows it, or None."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT id, sku, quantity, customer, status, created_at, updated_at "
            "FROM orders WHERE id = %s",
            (order_id,),
        )
        row = await cur.fetchone()
    if row is None:
        return None
    return {
        **row,
        "id": str(row["id"]),
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }


class PgClaim:
    def __init__(self, conn: AsyncConnection[DictRow], order_id: str, fresh: bool) -> None:
        self._conn = conn
        self._order_id = order_id
        self._fresh = fresh

    @property
    def fresh(self) -> bool:
        return self._fresh

    async def complete(self) -> None:
        await self._conn.execute(
            "UPDATE orders SET status = %s, updated_at = now() WHERE id = %s AND status <> %s",
            (RECEIPTED, self._order_id, RECEIPTED),
        )


class PgLedger:
    """``processed_events`` keyed by message id, written in the status change's transaction."""

    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def claim(self, message_id: str, order_id: str) -> AsyncIterator[PgClaim]:
        async with self._pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "INSERT INTO processed_events (message_id, order_id) VALUES (%s, %s) "
                "ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
                (message_id, order_id),
            )
            yield PgClaim(conn, order_id, fresh=await cur.fetchone() is not None)


class UnguardedLedger(PgLedger):
    """Takes every delivery for a new message: a consumer that is not idempotent, to rehearse."""

    @asynccontextmanager
    async def claim(self, message_id: str, order_id: str) -> AsyncIterator[PgClaim]:
        async with self._pool.connection() as conn, conn.transaction():
            yield PgClaim(conn, order_id, fresh=True)
