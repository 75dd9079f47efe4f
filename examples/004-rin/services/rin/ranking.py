"""Ranking orchestration: contact events become per-circle counts in PostgreSQL and, for the batch
pipelines (Spark over Iceberg/Parquet in the seed), one JSON object per event in the lake bucket.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import boto3
from psycopg import AsyncConnection
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rin.consumer import consume
from rin.web import Runtime, service_app

_s3: Any = None


def lake() -> Any:
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
    return _s3


async def rank(conn: AsyncConnection[Any], event: dict[str, Any]) -> None:
    if event.get("type") != "contact.created":
        return
    data = event["data"]
    await conn.execute(
        "INSERT INTO contact_ranks (owner_id, circle, contacts) VALUES (%s, %s, 1) "
        "ON CONFLICT (owner_id, circle) DO UPDATE SET contacts = contact_ranks.contacts + 1, "
        "updated_at = now()",
        (data["owner_id"], data["circle"]),
    )
    key = f"contacts/{data['owner_id']}/{data['contact_id']}.json"
    body = json.dumps(data, sort_keys=True).encode()
    await asyncio.to_thread(lake().put_object, Bucket=os.environ["LAKE_BUCKET"], Key=key, Body=body)


async def ranks(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    assert runtime.pool is not None
    async with runtime.pool.connection() as conn:
        rows = await (
            await conn.execute(
                "SELECT circle, contacts FROM contact_ranks WHERE owner_id::text = %s "
                "ORDER BY contacts DESC, circle",
                (request.path_params["owner_id"],),
            )
        ).fetchall()
    return JSONResponse({"owner_id": request.path_params["owner_id"], "circles": dict(rows)})


def ranking() -> Starlette:
    return service_app(
        "ranking", [Route("/v1/ranks/{owner_id}", ranks)], background=[consume(rank)]
    )
