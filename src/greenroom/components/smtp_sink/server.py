"""The SMTP sink's server, run in its container with the standard library only.

SMTP (HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on `SMTP_PORT`: every message is accepted and
kept, none is delivered. HTTP on `HTTP_PORT`: `GET /health`, `GET /messages` (sender, recipients,
subject and text of each, oldest first), `DELETE /messages`.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOCK = threading.Lock()
MESSAGES: list[dict[str, Any]] = []


def keep(sender: str, recipients: list[str], data: bytes) -> None:
    parsed = email.message_from_bytes(data.replace(b"\r\n", b"\n"), policy=email.policy.default)
    body = parsed.get_body(preferencelist=("plain", "html")) if parsed.is_multipart() else parsed
    with LOCK:
        MESSAGES.append(
            {
                "from": sender,
                "to": recipients,
                "subject": str(parsed.get("Subject", "")),
                "text": body.get_content() if body is not None else "",
            }
        )


async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    def say(line: str) -> None:
        writer.write(line.encode() + b"\r\n")

    say("220 greenroom smtp sink")
    sender = ""
    recipients: list[str] = []
    while not reader.at_eof():
        raw = await reader.readline()
        if not raw:
            break
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        verb = line[:4].upper()
        if verb in ("HELO", "EHLO"):
            say("250 greenroom")
        elif verb == "MAIL":
            sender, recipients = line.partition(":")[2].strip().strip("<>"), []
            say("250 OK")
        elif verb == "RCPT":
            recipients.append(line.partition(":")[2].strip().strip("<>"))
            say("250 OK")
        elif verb == "DATA":
            say("354 end with <CRLF>.<CRLF>")
            await writer.drain()
            lines = []
            while (chunk := await reader.readline()) not in (b".\r\n", b".\n", b""):
                lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
            keep(sender, recipients, b"".join(lines))
            say("250 OK: kept")
        elif verb == "RSET":
            sender, recipients = "", []
            say("250 OK")
        elif verb == "NOOP":
            say("250 OK")
        elif verb == "QUIT":
            say("221 bye")
            await writer.drain()
            break
        else:
            say("502 command not implemented")
        await writer.drain()
    writer.close()


class Http(BaseHTTPRequestHandler):
    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, {"status": "ok"})
        elif self.path == "/messages":
            with LOCK:
                self._send(200, list(MESSAGES))
        else:
            self._send(404, {"error": f"no route {self.path}"})

    def do_DELETE(self) -> None:
        if self.path != "/messages":
            self._send(404, {"error": f"no route {self.path}"})
            return
        with LOCK:
            MESSAGES.clear()
        self._send(204, None)

    def log_message(self, format: str, *args: Any) -> None:
        pass


async def main() -> None:
    http = ThreadingHTTPServer(("", int(os.environ.get("HTTP_PORT", "8025"))), Http)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    smtp = await asyncio.start_server(session, "", int(os.environ.get("SMTP_PORT", "25")))
    async with smtp:
        await smtp.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
