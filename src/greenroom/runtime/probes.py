"""Readiness probes speaking each component's real protocol, from the host, via its host port."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from greenroom.model.types import Aws, Environment, Ingress, Nats, Postgres, Redis

LOCALHOST = "127.0.0.1"


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

    def secret(self, name: str) -> str:
        return self.secrets[name].get_secret_value()


Probe = Callable[[], str]
"""Runs one check; returns a short description of what answered, raises ProbeFailed if not ready."""


def probe_postgres(spec: Postgres, name: str, access: Access) -> Probe:
    def run() -> str:
        import psycopg

        try:
            with psycopg.connect(
                host=access.host,
                port=access.port(name, 5432),
                user=spec.user,
                password=access.secret(spec.password.secret),
                dbname=spec.database,
                connect_timeout=3,
            ) as conn:
                version = conn.execute("SHOW server_version").fetchone()
        except psycopg.Error as exc:
            raise ProbeFailed(f"SELECT failed: {str(exc).strip().splitlines()[0]}") from None
        return f"PostgreSQL {version[0] if version else '?'}"

    return run


def probe_redis(spec: Redis, name: str, access: Access) -> Probe:
    def run() -> str:
        import redis

        password = access.secret(spec.password.secret) if spec.auth and spec.password else None
        client = redis.Redis(
            host=access.host,
            port=access.port(name, 6379),
            password=password,
            socket_timeout=3,
            socket_connect_timeout=3,
        )
        try:
            client.ping()
            version = client.info("server").get("redis_version", "?")
        except redis.RedisError as exc:
            raise ProbeFailed(f"PING failed: {exc}") from None
        finally:
            client.close()
        return f"Redis {version}"

    return run


def probe_nats(spec: Nats, name: str, access: Access) -> Probe:
    def run() -> str:
        token = access.secret(spec.token.secret) if spec.auth and spec.token else None
        return asyncio.run(_nats_ready(f"nats://{access.host}:{access.port(name, 4222)}", token))

    return run


async def _nats_ready(url: str, token: str | None) -> str:
    import nats

    try:
        nc = await nats.connect(
            url,
            token=token,
            connect_timeout=2,
            max_reconnect_attempts=0,
            allow_reconnect=False,
            error_cb=_quiet,
        )
    except Exception as exc:
        raise ProbeFailed(f"connect failed: {type(exc).__name__}") from None
    try:
        info = await nc.jetstream(timeout=3).account_info()
        return f"NATS {nc.connected_server_version}, JetStream {info.streams} stream(s)"
    except Exception as exc:
        raise ProbeFailed(f"JetStream not ready: {type(exc).__name__}") from None
    finally:
        await nc.close()


def aws_endpoint(spec: Aws, name: str, access: Access) -> str:
    """The host-side endpoint URL of the replica's AWS emulator."""
    return f"http://{access.host}:{access.port(name, emulator_port(spec))}"


def emulator_port(spec: Aws) -> int:
    return 4566 if spec.emulator == "localstack" else 5000


def probe_aws(spec: Aws, name: str, access: Access) -> Probe:
    def run() -> str:
        endpoint = aws_endpoint(spec, name, access)
        if spec.emulator == "localstack":
            health = json.loads(_http_get(f"{endpoint}/_localstack/health"))
            services = health.get("services", {})
            bad = sorted(k for k, v in services.items() if v not in {"available", "running"})
            wanted = _wanted_services(spec)
            not_ready = sorted(set(bad) & wanted)
            if not_ready:
                raise ProbeFailed(f"LocalStack services not ready: {', '.join(not_ready)}")
        from greenroom.provision.aws import AwsTarget

        try:
            AwsTarget(region=spec.region, endpoint_url=endpoint).client("s3").list_buckets()
        except Exception as exc:
            raise ProbeFailed(f"S3 ListBuckets failed: {type(exc).__name__}") from None
        return f"{spec.emulator} at {endpoint}"

    return run


def _wanted_services(spec: Aws) -> set[str]:
    wanted = {"s3"}
    if spec.queues:
        wanted.add("sqs")
    if spec.topics:
        wanted.add("sns")
    if spec.parameters:
        wanted.add("ssm")
    if spec.secrets:
        wanted.add("secretsmanager")
    if spec.log_groups:
        wanted.add("logs")
    return wanted


def probe_http(url: str, *, any_answer: bool = False) -> Probe:
    """GET ``url``: a 2xx is ready; with ``any_answer`` (a proxy in front of an app whose paths
    we do not know) anything but a 5xx is, since 502/503/504 mean the upstream is not there."""

    def run() -> str:
        try:
            _http_get(url)
        except ProbeFailed as exc:
            if any_answer and exc.status is not None and exc.status < 500:
                return f"HTTP {exc.status} from {url} (upstream answering)"
            raise
        return f"200 from {url}"

    return run


def _http_get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            body: bytes = response.read()
            return body.decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        raise ProbeFailed(f"HTTP {exc.code} from {url}", status=exc.code) from None
    except (urllib.error.URLError, OSError) as exc:
        raise ProbeFailed(f"no HTTP answer from {url}: {exc}") from None


def probes_for(env: Environment, access: Access) -> dict[str, Probe]:
    """One protocol probe per long-running service of the replica (one-shots have none)."""
    probes: dict[str, Probe] = {}
    for name, spec in env.components.items():
        probe = _component_probe(name, spec, access)
        if probe:
            probes[name] = probe
    for name, service in env.services.items():
        if service.one_shot or service.replicas == 0 or not service.health:
            continue
        port = service.health_port or service.port
        if port and name in access.host_ports and port in access.host_ports[name]:
            probes[name] = probe_http(
                f"http://{access.host}:{access.port(name, port)}{service.health}"
            )
    return probes


def _component_probe(name: str, spec: Any, access: Access) -> Probe | None:
    if isinstance(spec, Postgres):
        return probe_postgres(spec, name, access)
    if isinstance(spec, Redis):
        return probe_redis(spec, name, access)
    if isinstance(spec, Nats):
        return probe_nats(spec, name, access)
    if isinstance(spec, Aws):
        return probe_aws(spec, name, access)
    if isinstance(spec, Ingress):
        path = spec.routes[0].path
        return probe_http(
            f"http://{access.host}:{access.port(name, spec.port)}{path}", any_answer=True
        )
    return None


async def _quiet(_: Exception) -> None:
    """nats-py prints every connection error with a traceback unless given a callback."""
