"""Redis: a cache or small store; with auth the password is read in-container from the secret."""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import SecretStr, model_validator

from greenroom.components import register
from greenroom.components.access import Access, Probe, ProbeFailed
from greenroom.components.base import (
    Base,
    Client,
    Fixture,
    Fragment,
    NotRefused,
    RenderContext,
    Unreachable,
    healthcheck,
    literal,
    secret_path,
    shell,
)
from greenroom.model.forms import RedisMemory
from greenroom.model.types import ComponentBase, SecretRef, Text

if TYPE_CHECKING:
    from greenroom.components.environ import Environ
    from greenroom.model.environment import Environment

PORT = 6379
TIMEOUT = 5.0


@dataclass(frozen=True)
class RedisConnection:
    """Where one Redis listens and its password (a SecretStr); ``auth``: whether one is needed."""

    host: str
    port: int
    password: SecretStr | None
    auth: bool
    db: int = 0
    tls: bool = False

    @property
    def url(self) -> str:
        """The URL without credentials, fit for a log line."""
        return f"{'rediss' if self.tls else 'redis'}://{self.host}:{self.port}/{self.db}"

    def client(
        self, *, password: str | None = None, anonymous: bool = False, timeout: float = TIMEOUT
    ) -> Any:
        """A redis-py client with the environment's password, another one, or none."""
        import redis

        secret = self.password.get_secret_value() if self.password else None
        return redis.Redis(
            host=self.host,
            port=self.port,
            db=self.db,
            ssl=self.tls,
            password=None if anonymous else (password if password is not None else secret),
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )


@dataclass(frozen=True)
class ThrowawayRedis:
    """A fresh Redis for one test module."""

    host: str
    port: int

    def client(self, **kwargs: Any) -> Any:
        import redis

        return redis.Redis(host=self.host, port=self.port, **kwargs)


def throwaway_redis() -> Iterator[ThrowawayRedis]:
    """A single Redis container from the local greenroom image, removed after the module."""
    from testcontainers.community.redis import RedisContainer

    from greenroom.components.throwaway import local_image

    with RedisContainer(local_image("redis")) as container:
        yield ThrowawayRedis(
            host=container.get_container_host_ip(),
            port=int(container.get_exposed_port(container.port)),
        )


def redis_client(conn: RedisConnection) -> Iterator[Any]:
    """A redis-py client with the environment's password (when auth is on), closed after."""
    client = conn.client()
    try:
        yield client
    finally:
        client.close()


class Redis(ComponentBase):
    kind: Literal["redis"] = "redis"
    version: Text | None = "8.0"
    auth: bool = False
    password: SecretRef | None = None
    persistence: bool = False
    max_memory: RedisMemory | None = None

    @model_validator(mode="after")
    def _auth_needs_password(self) -> Redis:
        if self.auth and self.password is None:
            raise ValueError("auth: true needs a password: {secret: <name>}")
        return self


@register("redis")
class RedisComponent(Base[Redis]):
    """The password never reaches a command line: a shell builtin writes it to a config file."""

    spec_model = Redis
    fixtures: ClassVar[Mapping[str, Fixture]] = {
        "redis_client": Fixture(redis_client),
        "throwaway_redis": Fixture(throwaway_redis, scope="module", standalone=True),
    }

    shape = "database"

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        return {self.name: (PORT,)}

    def _password(self) -> str | None:
        return self.spec.password.secret if self.spec.auth and self.spec.password else None

    def _args(self) -> list[str]:
        args = ["--port", str(PORT)]
        if self.spec.persistence:
            args += ["--appendonly", "yes", "--dir", "/data"]
        else:
            args += ["--save", "", "--appendonly", "no"]
        if self.spec.max_memory:
            args += ["--maxmemory", self.spec.max_memory]
        return args

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        fragment: Fragment = {"image": ctx.image("redis", self.spec.version)}
        password = self._password()
        if password is None:
            fragment["command"] = ["redis-server", *map(literal, self._args())]
            test = ["CMD", "redis-cli", "-h", "127.0.0.1", "-p", str(PORT), "ping"]
            fragment["healthcheck"] = healthcheck(test)
        else:
            path = secret_path(password)
            quoted = " ".join(shlex.quote(arg) for arg in self._args())
            fragment["entrypoint"] = shell(
                "umask 077 && "
                f"printf 'requirepass %s\\n' \"$(cat {path})\" > /tmp/auth.conf && "
                f"exec redis-server /tmp/auth.conf {quoted}"
            )
            fragment["command"] = []
            fragment["secrets"] = [password]
            fragment["healthcheck"] = healthcheck(
                [
                    "CMD",
                    *shell(
                        f'REDISCLI_AUTH="$(cat {path})" redis-cli -h 127.0.0.1 -p {PORT} ping'
                        " | grep -q PONG"
                    ),
                ]
            )
        if self.spec.persistence:
            fragment["volumes"] = [f"{self.name}-data:/data"]
        return {self.name: fragment}

    def volumes(self) -> tuple[str, ...]:
        return (f"{self.name}-data",) if self.spec.persistence else ()

    def secrets(self) -> tuple[str, ...]:
        password = self._password()
        return (password,) if password else ()

    def images(self) -> tuple[str, ...]:
        return ("redis",)

    def probe(self, access: Access) -> Probe:
        def run() -> str:
            import redis

            client = self.connect(access).client(timeout=3)
            try:
                client.ping()
                version = client.info("server").get("redis_version", "?")
            except redis.RedisError as exc:
                raise ProbeFailed(f"PING failed: {exc}") from None
            finally:
                client.close()
            return f"Redis {version}"

        return run

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        if not access.has_port(self.name, PORT):
            return None
        secret = self._password()
        auth = f":{access.shown_in_url(secret, show_secrets)}@" if secret else ""
        return f"redis://{auth}{access.host}:{access.port(self.name, PORT)}/0"

    def host_env(self, access: Access, *, show_secrets: bool = False) -> dict[str, str]:
        """`REDIS_URL`, with the password in it when auth is on (redis-py's `from_url` reads it)."""
        url = self.endpoint(access, show_secrets=show_secrets)
        return {"REDIS_URL": url} if url else {}

    def client(self) -> Client:
        password = self._password()
        env = {"REDIS_URL": f"redis://{self.name}:{PORT}/0"}
        if password is None:
            return Client(env=env)
        return Client(
            env={**env, "REDIS_PASSWORD_FILE": secret_path(password)}, secrets=(password,)
        )

    def connect(self, access: Access) -> RedisConnection:
        secret = self._password()
        return RedisConnection(
            host=access.host,
            port=access.port(self.name, PORT),
            password=access.secrets[secret] if secret else None,
            auth=self.spec.auth,
        )

    def connect_environ(self, environ: Environ) -> RedisConnection | None:
        from urllib.parse import urlsplit

        url = environ.need("REDIS_URL")
        if not url:
            return None
        parts = urlsplit(url)
        try:
            port = parts.port or PORT
        except ValueError:
            port = -1
        if parts.scheme not in ("redis", "rediss") or not parts.hostname or port < 0:
            environ.problem("GREENROOM_REDIS_URL is not a redis:// or rediss:// URL with a host")
            return None
        secret = environ.get("REDIS_PASSWORD") or (parts.password or "")
        if self.spec.auth and not secret:
            environ.problem(
                "auth is on: put the Redis password in GREENROOM_REDIS_URL "
                "(redis://:PASSWORD@host:port) or GREENROOM_REDIS_PASSWORD"
            )
        path = parts.path.strip("/")
        return RedisConnection(
            host=parts.hostname,
            port=port,
            password=SecretStr(secret) if secret else None,
            auth=self.spec.auth,
            db=int(path) if path.isdigit() else 0,
            tls=parts.scheme == "rediss",
        )

    def reach(self, conn: RedisConnection) -> str:
        client = conn.client()
        try:
            client.ping()
            version = client.info("server").get("redis_version", "?")
        finally:
            client.close()
        return f"Redis {version} at {conn.url}"

    def refuse(self, conn: RedisConnection) -> str | None:
        import redis

        if not conn.auth:
            return None
        for label, client in (
            ("no password", conn.client(anonymous=True)),
            ("a wrong password", conn.client(password=secrets.token_urlsafe(18))),
        ):
            try:
                client.ping()
            except (redis.AuthenticationError, redis.ResponseError) as exc:
                text = str(exc)
                refused = "NOAUTH" in text or "WRONGPASS" in text
                if not refused and not isinstance(exc, redis.AuthenticationError):
                    raise Unreachable(f"{label}: unexpected answer {text[:200]}") from None
            else:
                raise NotRefused(f"Redis answered PING with {label} although auth is on")
            finally:
                client.close()
        return "no password and a wrong password are refused"
