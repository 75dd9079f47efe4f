"""The search/query projection: every event on `events.>` becomes a document in PostgreSQL's
full-text search (PG FTS first; an external engine once the scale trigger is reached).
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rin.consumer import consume
from rin.web import Runtime, service_app

# event type -> (document id field, kind, title field, body field)
DOCUMENTS = {
    "owner.created": ("owner_id", "owner", "display_name", "handle"),
    "contact.created": ("contact_id", "contact", "name", "circle"),
    "profile.updated": ("owner_id", "profile", "headline", "bio"),
    "dispute.opened": ("dispute_id", "dispute", "reason", "owner_id"),
}

UPSERT = (
    "INSERT INTO search_documents (doc_id, kind, owner_id, title, body) "
    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (doc_id) DO UPDATE SET title = EXCLUDED.title, "
    "body = EXCLUDED.body, updated_at = now()"
)


async def project(conn: AsyncConnection[Any], event: dict[str, Any]) -> None:
    shape = DOCUMENTS.get(str(event.get("type")))
    if shape is None:
        return
    id_field, kind, title, text = shape
    data = event["data"]
    await conn.execute(
        UPSERT,
        (f"{kind}:{data[id_field]}", kind, data["owner_id"], data[title], data.get(text, "")),
    )


async def query(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    assert runtime.pool is not None
    terms = request.query_params.get("q", "").strip()
    if not terms:
        return JSONResponse({"error": "q is required"}, status_code=422)
    async with runtime.pool.connection() as conn:
        rows = await (
            await conn.execute(
                "SELECT doc_id, kind, owner_id, title, body FROM search_documents "
                "WHERE document @@ websearch_to_tsquery('simple', %s) "
                "ORDER BY ts_rank(document, websearch_to_tsquery('simple', %s)) DESC, doc_id "
                "LIMIT 20",
                (terms, terms),
            )
        ).fetchall()
    keys = ("doc_id", "kind", "owner_id", "title", "body")
    hits = [{k: str(v) for k, v in zip(keys, row, strict=True)} for row in rows]
    return JSONResponse({"query": terms, "hits": hits})


def search() -> Starlette:
    return service_app("search", [Route("/v1/search", query)], background=[consume(project)])
