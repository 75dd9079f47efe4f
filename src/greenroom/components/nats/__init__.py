"""NATS with JetStream: the event transport; streams and consumers are provisioned at runtime."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import SecretStr

from greenroom.components import register
from greenroom.components.access import Access, Probe, ProbeFailed
from greenroom.components.base import (
    Base,
    Capture,
    Carried,
    Client,
    Fixture,
    Fragment,
    RenderContext,
    healthcheck,
    secret_path,
    shell,
)
from greenroom.components.nats import connection
from greenroom.components.nats.connection import NatsConnection
from greenroom.components.nats.spec import Nats
from greenroom.components.report import Report

if TYPE_CHECKING:
    from greenroom.components.environ import Environ
    from greenroom.model.environment import Environment
    from greenroom.model.problems import KeyPath
    from greenroom.model.refs import References
    from greenroom.model.types import ReplayState

PORT = 4222
MONITOR = 8222
CONF = "/etc/greenroom/nats.conf"
FLAGS = ["-c", CONF, "-js", "-sd", "/data"]
SERVER = f"""\
# Clients on {PORT}, on every network the server is on. HTTP monitoring (also the healthcheck)
# on the container's loopback only: a network cannot admit a client to one port and not another.
port: {PORT}
http: "127.0.0.1:{MONITOR}"
"""
AUTH = """\
# The token comes from the environment, which the entrypoint fills from the secret file.
authorization {
  token: $NATS_TOKEN
}
"""


def subject_covers(pattern: str, subject: str) -> bool:
    """Whether NATS subject pattern ``pattern`` (`events.>`) matches all that ``subject`` can."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)


@register("nats")
class NatsComponent(Base[Nats]):
    """Monitoring on 8222, inside the container only, doubles as the health endpoint; data lives
    in a named volume."""

    spec_model = Nats
    fixtures: ClassVar[Mapping[str, Fixture]] = {
        "nats_url": Fixture(
            connection.nats_url, scope="session", doc=connection.nats_url.__doc__ or ""
        ),
        "nats_connection": Fixture(
            connection.nats_connection,
            scope="session",
            doc=connection.nats_connection.__doc__ or "",
        ),
    }

    def check(self, c: References) -> None:
        key, nats = self.name, self.spec
        base: KeyPath = ("components", key, "streams")
        c.unique(base, "stream", [s.name for s in nats.streams])
        for i, stream in enumerate(nats.streams):
            c.unique((*base, i, "consumers"), "consumer", [k.name for k in stream.consumers])
            for k, consumer in enumerate(stream.consumers):
                wanted = consumer.filter_subject
                if wanted and not any(subject_covers(p, wanted) for p in stream.subjects):
                    c.add(
                        (*base, i, "consumers", k, "filter_subject"),
                        f"filter `{wanted}` is outside stream `{stream.name}`'s subjects: "
                        f"{', '.join(stream.subjects)}",
                    )
            for k, event in enumerate(stream.events):
                if not any(subject_covers(p, event.subject) for p in stream.subjects):
                    c.add(
                        (*base, i, "events", k, "subject"),
                        f"event subject `{event.subject}` is outside stream `{stream.name}`'s "
                        f"subjects: {', '.join(stream.subjects)}",
                    )

    shape = "queue"

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        return {self.name: (PORT,)}

    def _token(self) -> str | None:
        return self.spec.token.secret if self.spec.auth and self.spec.token else None

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        fragment: Fragment = {
            "image": ctx.image("nats", self.spec.version),
            "command": list(FLAGS),
            "volumes": [f"{self.name}-data:/data", f"./{self.name}/nats.conf:{CONF}:ro"],
            "healthcheck": healthcheck(
                ["CMD", "wget", "-qO-", f"http://127.0.0.1:{MONITOR}/healthz"]
            ),
        }
        token = self._token()
        if token is not None:
            fragment["entrypoint"] = shell(
                f'export NATS_TOKEN="$(cat {secret_path(token)})" && '
                f"exec nats-server {' '.join(FLAGS)}"
            )
            fragment["command"] = []
            fragment["secrets"] = [token]
        return {self.name: fragment}

    def caption(self) -> str:
        streams = ", ".join(stream.name for stream in self.spec.streams)
        return super().caption() + (f"<br/>JetStream: {streams}" if streams else "")

    def volumes(self) -> tuple[str, ...]:
        return (f"{self.name}-data",)

    def files(self, env: Environment) -> dict[str, str]:
        return {f"{self.name}/nats.conf": SERVER + (AUTH if self._token() else "")}

    def secrets(self) -> tuple[str, ...]:
        token = self._token()
        return (token,) if token else ()

    def client(self) -> Client:
        env = {"NATS_URL": f"nats://{self.name}:{PORT}"}
        if self.spec.streams:
            stream = self.spec.streams[0]
            env["NATS_STREAM"] = stream.name
            consumer = stream.consumers[0] if stream.consumers else None
            if consumer is not None:
                env["NATS_DURABLE"] = consumer.name
            candidates = [consumer.filter_subject if consumer else None, *stream.subjects]
            concrete = [s for s in candidates if s and "*" not in s and ">" not in s]
            if concrete:
                env["NATS_SUBJECT"] = concrete[0]
        token = self._token()
        if token is None:
            return Client(env=env)
        return Client(env={**env, "NATS_TOKEN_FILE": secret_path(token)}, secrets=(token,))

    def images(self) -> tuple[str, ...]:
        return ("nats",)

    def url(self, access: Access) -> str:
        return f"nats://{access.host}:{access.port(self.name, PORT)}"

    def probe(self, access: Access) -> Probe:
        def run() -> str:
            token = self._token()
            return asyncio.run(_ready(self.url(access), access.secret(token) if token else None))

        return run

    def provision(self, access: Access) -> Report | None:
        if not self.spec.streams:
            return None
        from greenroom.components.nats.provision import provision_nats

        token = self._token()
        return provision_nats(self.spec, self.url(access), access.secret(token) if token else None)

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        return self.url(access) if access.has_port(self.name, PORT) else None

    def host_env(self, access: Access, *, show_secrets: bool = False) -> dict[str, str]:
        """`NATS_URL`, and `NATS_TOKEN` when auth is on (the token is not part of the URL)."""
        if not access.has_port(self.name, PORT):
            return {}
        token = self._token()
        env = {"NATS_URL": self.url(access)}
        if token:
            env["NATS_TOKEN"] = access.shown(token, show_secrets)
        return env

    def connect(self, access: Access) -> NatsConnection:
        token = self._token()
        return NatsConnection(
            url=self.url(access),
            token=access.secrets[token] if token else None,
            auth=self.spec.auth,
            streams=tuple(s.name for s in self.spec.streams),
        )

    def connect_environ(self, environ: Environ) -> NatsConnection:
        token = environ.need("NATS_TOKEN") if self.spec.auth else environ.get("NATS_TOKEN")
        return NatsConnection(
            url=environ.need("NATS_URL"),
            token=SecretStr(token) if token else None,
            auth=self.spec.auth,
            streams=tuple(s.name for s in self.spec.streams),
        )

    def reach(self, conn: NatsConnection) -> str:
        return connection.reach(conn)

    def reset(self, conn: NatsConnection, state: ReplayState) -> None:
        """Every declared stream deleted and provisioned anew: empty, its duplicate window too."""
        from greenroom.components.nats.provision import provision_nats

        async def drop(nc: Any) -> None:
            from nats.js.errors import NotFoundError

            js = nc.jetstream(timeout=10)
            for stream in self.spec.streams:
                with contextlib.suppress(NotFoundError):
                    await js.delete_stream(stream.name)

        conn.run(drop)
        token = conn.token.get_secret_value() if conn.token else None
        provision_nats(self.spec, conn.url, token)

    def events(self) -> tuple[Carried, ...]:
        return tuple(Carried(s.name, e) for s in self.spec.streams for e in s.events)

    def capture(self, conn: NatsConnection) -> AbstractContextManager[Capture] | None:
        """What the streams that carry declared events stored from now on."""
        from greenroom.components.nats.stream import capture

        streams = [s.name for s in self.spec.streams if s.events]
        return capture(conn, streams) if streams else None

    def refuse(self, conn: NatsConnection) -> str | None:
        return connection.refuse(conn)


async def _ready(url: str, token: str | None) -> str:
    """Connected, and JetStream answers for the account."""
    from greenroom.components.nats.provision import connect

    try:
        async with connect(url, token, timeout=2) as nc:
            try:
                info = await nc.jetstream(timeout=3).account_info()
            except Exception as exc:
                raise ProbeFailed(f"JetStream not ready: {type(exc).__name__}") from None
            return f"NATS {nc.connected_server_version}, JetStream {info.streams} stream(s)"
    except ProbeFailed:
        raise
    except Exception as exc:
        raise ProbeFailed(f"connect failed: {type(exc).__name__}") from None
