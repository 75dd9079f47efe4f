"""The host's package index, lent to one build through a local proxy that dies with the build.

A container on this machine cannot use the host's index directly (its CA, credentials or URL live
in the host's pip configuration). The proxy listens on the docker bridge, answers only GETs for
the simple index and the files its own pages link to, and forwards them with the host's
configuration. The build sees a plain local URL; none of the host's configuration enters it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import re
import shutil
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from greenroom.errors import ImageError

PREFERRED_PORT = 39141
"""A steady port keeps the builder's layer cache for RUN pip steps; any free one otherwise."""
MAX_SECONDS = 3600.0
_HREF = re.compile(r'href="([^"]+)"')
_METADATA_ATTR = re.compile(r'\s+data-(?:dist-info|core)-metadata="[^"]*"')
_PROJECT = re.compile(r"^/simple/([A-Za-z0-9._-]+)/?$")
_FILE = re.compile(r"^/files/([0-9a-f]{32})/([^/]+?)(\.metadata)?$")
_ACCEPT = "application/vnd.pypi.simple.v1+html, text/html;q=0.9"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class HostIndex:
    """The index pip on the host uses, and how to trust it."""

    url: str
    cert: str | None = None
    client_cert: str | None = None


def pip_config(python: str = sys.executable) -> dict[str, str]:
    """``pip config list`` as a mapping (``global.index-url`` -> value); environment included."""
    try:
        out = subprocess.run(
            [python, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise ImageError(
            f"could not read the host's pip configuration: {exc}",
            hint=f"make sure `{python} -m pip config list` works",
        ) from exc
    found: dict[str, str] = {}
    for line in out.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            found[key.strip()] = value.strip().strip("'\"")
    return found


def host_index(config: dict[str, str]) -> HostIndex:
    """The effective index of ``config`` as pip ranks it: environment, then install, then global."""

    def setting(name: str) -> str | None:
        for section in (":env:", "install", "download", "global"):
            if config.get(f"{section}.{name}"):
                return config[f"{section}.{name}"]
        return None

    url = setting("index-url") or _pip_default_index()
    return HostIndex(
        url=url.rstrip("/") + "/", cert=setting("cert"), client_cert=setting("client-cert")
    )


def _pip_default_index() -> str:
    try:
        from pip._internal.models.index import PyPI
    except ImportError as exc:
        raise ImageError(
            "pip is not importable here, so its default index is unknown",
            hint="set `index-url` in the host's pip configuration (`pip config set "
            "global.index-url <url>`)",
        ) from exc
    return str(PyPI.simple_url)


class IndexProxy:
    """A threaded HTTP server forwarding index pages and files; links rewritten to itself."""

    def __init__(self, index: HostIndex, address: str) -> None:
        self.index = index
        self.files: dict[str, str] = {}
        self._lock = threading.Lock()
        self._ssl = ssl.create_default_context(cafile=index.cert) if index.cert else None
        if self._ssl is not None and index.client_cert:
            self._ssl.load_cert_chain(index.client_cert)
        parsed = urllib.parse.urlsplit(index.url)
        self._auth = None
        if parsed.username:
            user = urllib.parse.unquote(parsed.username)
            pair = f"{user}:{urllib.parse.unquote(parsed.password or '')}"
            self._auth = "Basic " + base64.b64encode(pair.encode()).decode()
            netloc = parsed.hostname or ""
            netloc += f":{parsed.port}" if parsed.port else ""
            parsed = parsed._replace(netloc=netloc)
        self._upstream = urllib.parse.urlunsplit(parsed)
        self._index_host = parsed.hostname
        self.server = _bind(address, _handler(self))
        self.host = address
        self.port = int(self.server.server_address[1])

    @property
    def url(self) -> str:
        """The index URL the build gets: a local address that means nothing once it stops."""
        return f"http://{self.host}:{self.port}/simple/"

    def build_args(self) -> dict[str, str]:
        """What pip in the build reads: the index, and that plain HTTP to it is fine."""
        return {"PIP_INDEX_URL": self.url, "PIP_TRUSTED_HOST": self.host}

    def page(self, project: str) -> bytes:
        """The project's index page with each file link pointing back at the proxy."""
        upstream = urllib.parse.urljoin(self._upstream, f"{project}/")
        with self._open(upstream, accept=_ACCEPT) as response:
            base = response.geturl()
            text = response.read().decode("utf-8", errors="replace")
        text = _METADATA_ATTR.sub("", text)
        return _HREF.sub(
            lambda m: f'href="{html.escape(self._link(base, m.group(1)))}"', text
        ).encode()

    def _link(self, base: str, href: str) -> str:
        target = urllib.parse.urljoin(base, html.unescape(href))
        url, _, fragment = target.partition("#")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            return "#"
        token = hashlib.sha256(url.encode()).hexdigest()[:32]
        with self._lock:
            self.files[token] = url
        name = url.rstrip("/").rsplit("/", 1)[-1]
        return f"/files/{token}/{name}" + (f"#{fragment}" if fragment else "")

    def file_url(self, token: str) -> str | None:
        """The upstream URL behind a link the proxy handed out (None for anything else)."""
        with self._lock:
            return self.files.get(token)

    def _open(self, url: str, *, accept: str = "*/*") -> Any:
        request = urllib.request.Request(url, headers={"Accept": accept})
        if self._auth and urllib.parse.urlsplit(url).hostname == self._index_host:
            request.add_header("Authorization", self._auth)
        return urllib.request.urlopen(request, timeout=120, context=self._ssl)


def _bind(address: str, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    try:
        return ThreadingHTTPServer((address, PREFERRED_PORT), handler)
    except OSError:
        pass
    try:
        return ThreadingHTTPServer((address, 0), handler)
    except OSError as exc:
        raise ImageError(
            f"could not listen on {address} for the build's package index: {exc}",
            hint="check that the docker bridge (docker0) is up: `ip addr show docker0`",
        ) from exc


def _handler(proxy: IndexProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """GET only: a project page, or a file one of those pages linked to."""

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            project, file = _PROJECT.match(path), _FILE.match(path)
            try:
                if project:
                    body = proxy.page(project.group(1))
                    self._send(200, body, "text/html; charset=utf-8")
                elif file and (url := proxy.file_url(file.group(1))):
                    self._relay(url + (file.group(3) or ""))
                else:
                    self._send(404, b"not found\n", "text/plain")
            except urllib.error.HTTPError as exc:
                exc.close()
                self._send(exc.code, f"upstream answered {exc.code}\n".encode(), "text/plain")
            except (urllib.error.URLError, OSError):
                self._send(502, b"upstream unreachable\n", "text/plain")

        def _relay(self, url: str) -> None:
            with proxy._open(url) as response:
                self.send_response(200)
                self.send_header(
                    "Content-Type", response.headers.get("Content-Type", "application/octet-stream")
                )
                if response.headers.get("Content-Length"):
                    self.send_header("Content-Length", response.headers["Content-Length"])
                self.end_headers()
                shutil.copyfileobj(response, self.wfile, _CHUNK)

        def _send(self, code: int, body: bytes, content_type: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the build's own output says what pip fetched."""

    return Handler


@contextlib.contextmanager
def serving(address: str, *, index: HostIndex | None = None) -> Iterator[IndexProxy]:
    """The proxy, serving on ``address`` for the ``with`` block only (at most MAX_SECONDS)."""
    proxy = IndexProxy(index or host_index(pip_config()), address)
    thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
    timer = threading.Timer(MAX_SECONDS, proxy.server.shutdown)
    timer.daemon = True
    thread.start()
    timer.start()
    try:
        yield proxy
    finally:
        timer.cancel()
        proxy.server.shutdown()
        proxy.server.server_close()
        thread.join(timeout=10)
