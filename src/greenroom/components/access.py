"""How the host reaches a running replica, and the contract every component's probe follows."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from pydantic import SecretStr

LOCALHOST = "127.0.0.1"
MASK = "****"


class ProbeFailed(Exception):
    """A probe ran and the service is not ready; the message says what the check saw."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Access:
    """How the host reaches a replica: its host ports and its secret values (never printed)."""

    host_ports: Mapping[str, Mapping[int, int]]
    secrets: Mapping[str, SecretStr]
    host: str = LOCALHOST

    def port(self, service: str, container_port: int) -> int:
        try:
            return self.host_ports[service][container_port]
        except KeyError:
            raise ProbeFailed(
                f"{service}:{container_port} has no host port on this replica"
            ) from None

    def has_port(self, service: str, container_port: int) -> bool:
        return container_port in self.host_ports.get(service, {})

    def secret(self, name: str) -> str:
        return self.secrets[name].get_secret_value()

    def shown(self, name: str, show: bool) -> str:
        """A secret for a connection string: the value only when asked for, else a mask."""
        return self.secret(name) if show else MASK

    def shown_in_url(self, name: str, show: bool) -> str:
        """The same inside a URL's user info: percent-encoded, so any value parses back whole."""
        return quote(self.secret(name), safe="") if show else MASK


Probe = Callable[[], str]
"""Runs one check; returns a short description of what answered, raises ProbeFailed if not ready."""


def http_get(url: str) -> str:
    """GET ``url`` with a short timeout; any failure is a ProbeFailed naming what happened."""
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            body: bytes = response.read()
            return body.decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the answer's connection, left open until collected otherwise
        raise ProbeFailed(f"HTTP {exc.code} from {url}", status=exc.code) from None
    except (urllib.error.URLError, OSError) as exc:
        raise ProbeFailed(f"no HTTP answer from {url}: {exc}") from None


def probe_http(url: str, *, any_answer: bool = False) -> Probe:
    """GET ``url``: a 2xx is ready; with ``any_answer`` (a proxy in front of an app whose paths
    we do not know) anything but a 5xx is, since 502/503/504 mean the upstream is not there."""

    def run() -> str:
        try:
            http_get(url)
        except ProbeFailed as exc:
            if any_answer and exc.status is not None and exc.status < 500:
                return f"HTTP {exc.status} from {url} (upstream answering)"
            raise
        return f"200 from {url}"

    return run


@dataclass(frozen=True)
class HttpConnection:
    """An HTTP service: its base URL and the path that proves it healthy."""

    url: str
    health: str = "/"
    any_answer: bool = False
    """A proxy in front of paths it does not know: anything but a 5xx means it is there."""

    def reach(self) -> str:
        """GET the health path: what answered, or an AssertionError saying what was seen."""
        try:
            return probe_http(self.url + self.health, any_answer=self.any_answer)()
        except ProbeFailed as exc:
            raise AssertionError(str(exc)) from None
