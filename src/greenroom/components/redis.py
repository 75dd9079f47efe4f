"""Redis: a cache or small store; with auth the password is read in-container from the secret."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Literal

from pydantic import model_validator

from greenroom.components import register
from greenroom.components.access import Access, Probe, ProbeFailed
from greenroom.components.base import (
    Base,
    Client,
    Fragment,
    RenderContext,
    healthcheck,
    literal,
    secret_path,
    shell,
)
from greenroom.model.types import ComponentBase, SecretRef, Text

if TYPE_CHECKING:
    from greenroom.model.environment import Environment

PORT = 6379


class Redis(ComponentBase):
    kind: Literal["redis"] = "redis"
    version: Text | None = "8.0"
    auth: bool = False
    password: SecretRef | None = None
    persistence: bool = False
    max_memory: str | None = None

    @model_validator(mode="after")
    def _auth_needs_password(self) -> Redis:
        if self.auth and self.password is None:
            raise ValueError("auth: true needs a password: {secret: <name>}")
        return self


@register("redis")
class RedisComponent(Base[Redis]):
    """The password never reaches a command line: a shell builtin writes it to a config file."""

    spec_model = Redis

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

            secret = self._password()
            client = redis.Redis(
                host=access.host,
                port=access.port(self.name, PORT),
                password=access.secret(secret) if secret else None,
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

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        if not access.has_port(self.name, PORT):
            return None
        secret = self._password()
        auth = f":{access.shown(secret, show_secrets)}@" if secret else ""
        return f"redis://{auth}{access.host}:{access.port(self.name, PORT)}/0"

    def client(self) -> Client:
        password = self._password()
        env = {"REDIS_URL": f"redis://{self.name}:{PORT}/0"}
        if password is None:
            return Client(env=env)
        return Client(
            env={**env, "REDIS_PASSWORD_FILE": secret_path(password)}, secrets=(password,)
        )
