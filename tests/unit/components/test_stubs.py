"""The stand-ins for third-party providers: an HTTP stub with declared answers and an SMTP sink."""

from __future__ import annotations

import asyncio
import json
import smtplib
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import ValidationError

from greenroom.components import RenderContext, bind
from greenroom.components.http_stub import HttpStub
from greenroom.components.http_stub import server as stub_server
from greenroom.components.smtp_sink import SmtpSink
from greenroom.components.smtp_sink import server as sink_server
from greenroom.model.environment import Environment

ENV = Environment.model_validate({"name": "dev", "project": "shop", "zones": {"ops": {}}})
CTX = RenderContext(project="shop-dev")
CHARGE = {
    "method": "POST",
    "path": "/v1/charges",
    "response": {"status": 201, "body": {"id": "ch_1"}},
}


def test_the_stub_runs_its_declared_answers_on_greenroom_python():
    part = bind("payments", HttpStub(expectations=[CHARGE]))
    fragment = part.services(ENV, CTX)["payments"]
    assert fragment["image"] == "greenroom/python:3.13"
    files = part.files(ENV)
    assert json.loads(files["payments/expectations.json"])[0]["response"]["body"] == {"id": "ch_1"}
    assert "ThreadingHTTPServer" in files["payments/server.py"]
    assert part.client().env == {"PAYMENTS_URL": "http://payments:8080"}
    assert part.container_ports() == {"payments": (8080,)}


def test_a_stub_path_under_its_own_routes_is_refused():
    with pytest.raises(ValidationError, match="the stub's own"):
        HttpStub(expectations=[{"path": "/__stub/requests"}])


def _get(url: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def stub(tmp_path: Any) -> Iterator[str]:
    declared = tmp_path / "expectations.json"
    declared.write_text(json.dumps([{**CHARGE, "response": {**CHARGE["response"], "headers": {}}}]))
    stub_server.Handler.expectations = stub_server.load(str(declared))
    stub_server.RECEIVED.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), stub_server.Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_stub_answers_what_is_declared_and_records_every_call(stub: str):
    assert _get(f"{stub}/v1/charges", "POST", {"amount": 1200}) == (201, {"id": "ch_1"})
    status, refused = _get(f"{stub}/v1/refunds", "POST", {"charge": "ch_1"})
    assert status == 501 and refused["expected"] == ["POST /v1/charges"]
    status, received = _get(f"{stub}/__stub/requests")
    assert [(r["path"], r["body"], r["matched"]) for r in received] == [
        ("/v1/charges", {"amount": 1200}, True),
        ("/v1/refunds", {"charge": "ch_1"}, False),
    ]
    assert _get(f"{stub}/__stub/requests", "DELETE") == (204, None)
    assert _get(f"{stub}/__stub/requests") == (200, [])


def test_the_sink_listens_for_smtp_and_lists_on_http():
    part = bind("mail", SmtpSink())
    assert part.container_ports() == {"mail": (25, 8025)}
    assert part.client().env == {"SMTP_HOST": "mail", "SMTP_PORT": "25"}
    fragment = part.services(ENV, CTX)["mail"]
    assert fragment["environment"]["SMTP_PORT"] == "25"


def test_the_sink_keeps_every_message_and_delivers_none():
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_server(sink_server.session, "127.0.0.1", 0))
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    sink_server.MESSAGES.clear()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "shop@example.com", "a@b.c", "Hi"
        message.set_content("Your order\n.\nis on its way")
        port = server.sockets[0].getsockname()[1]
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.send_message(message)
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        runner.join(timeout=5)
        loop.close()
    (kept,) = sink_server.MESSAGES
    assert (kept["from"], kept["to"], kept["subject"]) == ("shop@example.com", ["a@b.c"], "Hi")
    assert kept["text"] == "Your order\n.\nis on its way\n"
