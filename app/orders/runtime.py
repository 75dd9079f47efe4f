"""Run each role until SIGTERM: stop taking work, finish what is in flight, close the pools."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Coroutine, Generator
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from orders.api import create_app
from orders.cache import OrderCache
from orders.config import Role, Settings
from orders.errors import DependencyError
from orders.health import health_app
from orders.logs import Redactor
from orders.relay import Publish, run_relay
from orders.resources import Resources, open_resources
from orders.store import PgLedger, UnguardedLedger
from orders.worker import AwsSinks, run_consumer

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the role's runner decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def bind(port: int) -> socket.socket:
    """Bind before serving, so a taken port is a clear error rather than uvicorn's exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("0.0.0.0", port))
    except OSError as exc:
        sock.close()
        raise DependencyError(
            f"port {port} cannot be bound: {exc.strerror}",
            hint="stop whatever holds it, or set PORT / HEALTH_PORT to a free port",
        ) from None
    sock.set_inheritable(True)
    return sock


def http_server(app: ASGIApp, settings: Settings) -> _Server:
    """Proxy headers are honoured only from FORWARDED_ALLOW_IPS (uvicorn reads it itself)."""
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="off",
        proxy_headers=True,
        timeout_graceful_shutdown=int(settings.shutdown_timeout),
    )
    return _Server(config)


class Stopper:
    """SIGTERM/SIGINT set one event and ask every server to exit; a second signal forces it."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.servers: list[_Server] = []

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop, sig)

    def stop(self, sig: int | None = None) -> None:
        if sig is not None:
            log.info("stopping", extra={"signal": signal.Signals(sig).name})
        for server in self.servers:
            if self.event.is_set():
                server.force_exit = True
            server.should_exit = True
        self.event.set()


async def _run_until_stopped(
    stopper: Stopper, settings: Settings, jobs: list[Coroutine[Any, Any, None]]
) -> None:
    """Run the jobs; the first to fail or a signal stops them all, waiting for in-flight work."""
    tasks = [asyncio.create_task(job) for job in jobs]
    stop_wait = asyncio.create_task(stopper.event.wait())
    await asyncio.wait([*tasks, stop_wait], return_when=asyncio.FIRST_COMPLETED)
    stopper.stop()
    done, pending = await asyncio.wait(tasks, timeout=settings.shutdown_timeout)
    for task in pending:
        task.cancel()
    if pending:
        log.warning("in-flight work outlived SHUTDOWN_TIMEOUT; cancelled it")
        await asyncio.wait(pending)
    for task in done:
        if not task.cancelled() and (exc := task.exception()) is not None:
            raise exc


async def run_api(settings: Settings) -> None:
    stopper = Stopper()
    stopper.install()
    sock = bind(settings.port)
    async with open_resources(settings) as res:
        server = http_server(create_app(settings, res), settings)
        stopper.servers.append(server)
        log.info("api listening", extra={"port": settings.port})
        await _run_until_stopped(stopper, settings, [server.serve(sockets=[sock])])
    log.info("api stopped")


def _side_server(settings: Settings, res: Resources, stopper: Stopper) -> Coroutine[Any, Any, None]:
    sock = bind(settings.health_port)
    server = http_server(health_app(res.checks, Redactor(settings.secrets())), settings)
    stopper.servers.append(server)
    log.info("health listening", extra={"port": settings.health_port})
    return server.serve(sockets=[sock])


def _publisher(res: Resources, subject: str) -> Publish:
    js = res.js
    assert js is not None

    async def publish(data: bytes, msg_id: str) -> None:
        await js.publish(subject, data, timeout=5, headers={"Nats-Msg-Id": msg_id})

    return publish


async def run_relay_role(settings: Settings) -> None:
    assert settings.nats is not None
    stopper = Stopper()
    stopper.install()
    async with open_resources(settings) as res:
        assert res.pool is not None
        jobs = [
            _side_server(settings, res, stopper),
            run_relay(res.pool, _publisher(res, settings.nats.subject), stopper.event),
        ]
        await _run_until_stopped(stopper, settings, jobs)
    log.info("relay role stopped")


async def run_worker(settings: Settings) -> None:
    assert settings.nats is not None and settings.aws is not None
    stopper = Stopper()
    stopper.install()
    async with open_resources(settings) as res:
        assert res.pool is not None and res.js is not None and res.redis is not None
        sinks = AwsSinks(res.s3, res.sns, settings.aws.receipts_bucket, res.topic_arn)
        cache = OrderCache(res.redis, settings.order_cache_ttl)
        jobs = [
            _side_server(settings, res, stopper),
            run_relay(res.pool, _publisher(res, settings.nats.subject), stopper.event),
            run_consumer(
                res.js,
                settings.nats.stream,
                settings.nats.durable,
                PgLedger(res.pool) if settings.deduplicate_events else UnguardedLedger(res.pool),
                sinks,
                cache,
                stopper.event,
            ),
        ]
        await _run_until_stopped(stopper, settings, jobs)
    log.info("worker stopped")


RUNNERS = {Role.API: run_api, Role.RELAY: run_relay_role, Role.WORKER: run_worker}
