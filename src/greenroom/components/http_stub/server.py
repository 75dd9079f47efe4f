"""The HTTP stub's server, run in its container with the standard library only.

It answers each declared expectation (method and path) with its status, headers and body, records
every request it receives, and answers anything else 501 naming what it expected. Its own routes:
`GET /__stub/health`, `GET /__stub/requests` (what was received, oldest first) and
`DELETE /__stub/requests` (forget them).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

OWN = "/__stub/"
LOCK = threading.Lock()
RECEIVED: list[dict[str, Any]] = []


def load(path: str) -> dict[tuple[str, str], dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        declared = json.load(handle)
    return {(e["method"], e["path"]): e["response"] for e in declared}


class Handler(BaseHTTPRequestHandler):
    expectations: ClassVar[dict[tuple[str, str], dict[str, Any]]] = {}

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _own(self, path: str) -> None:
        if path == OWN + "health":
            self._send(200, {"status": "ok", "expectations": len(self.expectations)})
        elif path == OWN + "requests" and self.command == "GET":
            with LOCK:
                self._send(200, list(RECEIVED))
        elif path == OWN + "requests" and self.command == "DELETE":
            with LOCK:
                RECEIVED.clear()
            self._send(204, b"")
        else:
            self._send(404, {"error": f"no stub route {self.command} {path}"})

    def _handle(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith(OWN):
            self._own(path)
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        response = self.expectations.get((self.command, path))
        with LOCK:
            RECEIVED.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "body": body,
                    "matched": response is not None,
                }
            )
        if response is None:
            expected = sorted(f"{m} {p}" for m, p in self.expectations)
            self._send(501, {"error": f"unexpected {self.command} {path}", "expected": expected})
            return
        self._send(response["status"], response["body"], response["headers"])

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}\n")


if __name__ == "__main__":
    Handler.expectations = load(sys.argv[1])
    server = ThreadingHTTPServer(("", int(os.environ.get("PORT", "8080"))), Handler)
    server.serve_forever()
