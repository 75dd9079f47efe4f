"""Stand-in for the Next.js frontend: renders the backend's items server-side, as a page would.

Routes: `/` (HTML from `BACKEND_URL/api/items`), `/api/health`, `/metrics` (Prometheus text).
"""

from __future__ import annotations

import html
import json
import os
import threading
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BACKEND_URL = os.environ.get("BACKEND_URL", "http://backend:8000")
REQUESTS: Counter[tuple[str, int]] = Counter()
LOCK = threading.Lock()


def metrics() -> str:
    lines = [
        "# HELP frontend_http_requests_total Requests served, by route and status.",
        "# TYPE frontend_http_requests_total counter",
    ]
    with LOCK:
        for (route, status), count in sorted(REQUESTS.items()):
            lines.append(
                f'frontend_http_requests_total{{route="{route}",status="{status}"}} {count}'
            )
    return "\n".join(lines) + "\n"


def page() -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"{BACKEND_URL}/api/items", timeout=5) as answer:
            items = json.loads(answer.read())["items"]
    except OSError as exc:
        return 502, f"<h1>Astra+</h1><p>backend unavailable: {html.escape(str(exc))}</p>"
    rows = "".join(f"<li>{html.escape(item['title'])}</li>" for item in items)
    return 200, f"<!doctype html><title>Astra+</title><h1>Astra+</h1><ul>{rows}</ul>"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        route = self.path.split("?")[0]
        if route == "/api/health":
            status, body, kind = 200, '{"status":"ok"}', "application/json"
        elif route == "/metrics":
            status, body, kind = 200, metrics(), "text/plain; version=0.0.4"
        elif route == "/":
            status, body = page()
            kind = "text/html; charset=utf-8"
        else:
            status, body, kind = 404, "not found", "text/plain"
            route = "other"
        with LOCK:
            REQUESTS[(route, status)] += 1
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("", int(os.environ.get("PORT", "3000"))), Handler).serve_forever()
