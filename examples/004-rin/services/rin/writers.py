"""The four services that own writes: identity, contacts, profile, disputes.

Each write lands in the service's table and, in the same transaction, in the outbox; each service
also runs an outbox relay publishing to JetStream.
"""

from __future__ import annotations

import uuid

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rin import outbox
from rin.web import Runtime, body, check_uuid, service_app


async def _relay(runtime: Runtime) -> None:
    assert runtime.pool is not None and runtime.js is not None
    js = runtime.js

    async def publish(subject: str, payload: bytes, msg_id: str) -> object:
        return await js.publish(subject, payload, headers={"Nats-Msg-Id": msg_id})

    await outbox.run_relay(runtime.pool, publish, runtime.stop)


def _writer(name: str, *routes: Route) -> Starlette:
    return service_app(name, routes, background=[_relay])


async def _created(request: Request, sql: str, params: dict[str, str], event: str) -> Response:
    runtime: Runtime = request.app.state.runtime
    assert runtime.pool is not None
    recorded = await outbox.write(runtime.pool, sql, params, event)
    return JSONResponse({**params, "event_id": recorded["id"]}, status_code=201)


async def create_owner(request: Request) -> Response:
    fields = await body(request, "handle", "display_name")
    sql = (
        "INSERT INTO owners (id, handle, display_name) "
        "VALUES (%(owner_id)s, %(handle)s, %(display_name)s)"
    )
    return await _created(request, sql, {"owner_id": str(uuid.uuid4()), **fields}, "owner.created")


async def create_contact(request: Request) -> Response:
    fields = await body(request, "owner_id", "name", "circle")
    sql = (
        "INSERT INTO contacts (id, owner_id, name, circle) "
        "VALUES (%(contact_id)s, %(owner_id)s, %(name)s, %(circle)s)"
    )
    return await _created(
        request, sql, {"contact_id": str(uuid.uuid4()), **fields}, "contact.created"
    )


async def put_profile(request: Request) -> Response:
    fields = await body(request, "headline")
    data = await request.json()
    params = {
        "owner_id": check_uuid("owner_id", request.path_params["owner_id"]),
        "headline": fields["headline"],
        "bio": str(data.get("bio") or ""),
    }
    sql = (
        "INSERT INTO profiles (owner_id, headline, bio) "
        "VALUES (%(owner_id)s, %(headline)s, %(bio)s) "
        "ON CONFLICT (owner_id) DO UPDATE SET headline = EXCLUDED.headline, bio = EXCLUDED.bio, "
        "updated_at = now()"
    )
    return await _created(request, sql, params, "profile.updated")


async def open_dispute(request: Request) -> Response:
    fields = await body(request, "owner_id", "reason")
    sql = (
        "INSERT INTO disputes (id, owner_id, reason) "
        "VALUES (%(dispute_id)s, %(owner_id)s, %(reason)s)"
    )
    return await _created(
        request, sql, {"dispute_id": str(uuid.uuid4()), **fields}, "dispute.opened"
    )


def identity() -> Starlette:
    return _writer("identity", Route("/v1/owners", create_owner, methods=["POST"]))


def contacts() -> Starlette:
    return _writer("contacts", Route("/v1/contacts", create_contact, methods=["POST"]))


def profile() -> Starlette:
    return _writer("profile", Route("/v1/profiles/{owner_id}", put_profile, methods=["PUT"]))


def disputes() -> Starlette:
    return _writer("disputes", Route("/v1/disputes", open_dispute, methods=["POST"]))
