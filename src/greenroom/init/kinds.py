"""Which compose images greenroom runs as one of its component kinds, and how their settings map.

Images are matched on their repository's last path segment, so `postgres:16`, `library/postgres`
and `bitnami/postgresql` are all Postgres, whatever registry they come from.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from greenroom.init.secretbook import SecretBook, from_file
from greenroom.init.yamltext import Flow

KINDS = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "redis": "redis",
    "nats": "nats",
    "localstack": "aws",
    "localstack-pro": "aws",
    "moto": "aws",
    "motoserver": "aws",
    "prometheus": "prometheus",
    "alertmanager": "alertmanager",
    "postgres-exporter": "postgres-exporter",
    "postgres_exporter": "postgres-exporter",
}
"""Image repository name -> component kind."""

PROXIES = frozenset({"nginx", "nginx-unprivileged", "openresty", "traefik", "caddy", "haproxy"})
"""Reverse proxies: kept as services, in the edge zone."""

ZONES = {
    "postgres": "data",
    "redis": "data",
    "nats": "data",
    "aws": "ops",
    "prometheus": "ops",
    "alertmanager": "ops",
    "postgres-exporter": "ops",
}
"""The zone each kind's own model puts it in (stores in data, operational APIs in ops)."""

_PG_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)")


@dataclass(frozen=True)
class Image:
    """An image reference split into what matching needs."""

    repository: str
    tag: str | None

    @property
    def name(self) -> str:
        """The last path segment: `bitnami/postgresql` -> `postgresql`."""
        return self.repository.rsplit("/", 1)[-1].lower()


def parse_image(ref: str) -> Image:
    """`docker.io/bitnami/postgresql:16.4@sha256:...` -> repository and tag."""
    ref = ref.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return Image(ref[:colon], ref[colon + 1 :])
    return Image(ref, None)


def version_of(tag: str | None) -> str | None:
    """The version a tag carries: `16.4-alpine` -> `16.4`; `latest` or none -> None."""
    match = _VERSION.match(tag or "")
    return match.group(1) if match else None


def argv(service: Mapping[str, Any]) -> list[str]:
    """The command as words, looking inside `sh -c "..."` where a compose file wraps one."""
    command = service.get("command") or []
    words = shlex.split(command) if isinstance(command, str) else [str(w) for w in command]
    if len(words) >= 3 and words[0].rsplit("/", 1)[-1] in ("sh", "bash") and words[1] == "-c":
        try:
            return shlex.split(words[2])
        except ValueError:
            return words
    return words


def option(words: list[str], *flags: str) -> str | None:
    """The value of `--flag value` or `--flag=value`, or None."""
    for i, word in enumerate(words):
        for flag in flags:
            if word == flag and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(flag + "="):
                return word.split("=", 1)[1]
    return None


@dataclass
class Scope:
    """One compose service being translated into a component: what it says and what was found."""

    name: str
    """Its name in the model."""
    source: Mapping[str, Any]
    """Its `docker compose config` entry."""
    image: Image
    book: SecretBook
    kinds: Mapping[str, str] = field(default_factory=dict)
    """Model name -> kind of every component, for kinds that point at another."""
    notes: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """Its environment; a variable without a value (taken from the shell) reads as ""."""
        return {
            k: "" if v is None else str(v)
            for k, v in (self.source.get("environment") or {}).items()
        }

    def first(self, *names: str) -> str | None:
        """The first of these variables that is set and not empty."""
        return next((self.env[n] for n in names if self.env.get(n)), None)

    def ignored(self, names: list[str], why: str) -> None:
        """Say which variables were left behind, and why."""
        if names:
            self.notes.append(f"not carried: {', '.join(sorted(names))} ({why})")


def _postgres(s: Scope) -> dict[str, Any]:
    env = s.env
    user = s.first("POSTGRES_USER", "POSTGRESQL_USERNAME", "POSTGRESQL_USER") or "postgres"
    database = s.first("POSTGRES_DB", "POSTGRESQL_DATABASE") or user
    spec: dict[str, Any] = {}
    for key, value in (("user", user), ("database", database)):
        if _PG_NAME.match(value):
            spec[key] = value
        else:
            s.attention.append(
                f"{key} {value!r} is not a name the model takes (lowercase letters, digits, _); "
                f"set components.{s.name}.{key} and update the app"
            )
    password = s.first("POSTGRES_PASSWORD", "POSTGRESQL_PASSWORD")
    path = s.first("POSTGRES_PASSWORD_FILE", "POSTGRESQL_PASSWORD_FILE")
    if password:
        key = password
    elif path:
        key = from_file(path)
    else:
        key = from_file(f"{s.name}/password")
        s.notes.append("no password in compose: greenroom always sets one (a generated secret)")
    spec["password"] = Flow(secret=s.book.ref(key, f"{s.name}-password"))
    words = argv(s.source)
    settings = {}
    for i, word in enumerate(words[:-1]):
        if word == "-c" and "=" in words[i + 1]:
            key, value = words[i + 1].split("=", 1)
            settings[key] = value
    if settings:
        spec["settings"] = settings
    known = {
        "POSTGRES_USER",
        "POSTGRES_DB",
        "POSTGRES_PASSWORD",
        "POSTGRES_PASSWORD_FILE",
        "POSTGRESQL_USERNAME",
        "POSTGRESQL_USER",
        "POSTGRESQL_DATABASE",
        "POSTGRESQL_PASSWORD",
        "POSTGRESQL_PASSWORD_FILE",
    }
    s.ignored([k for k in env if k not in known], "greenroom configures its Postgres itself")
    return spec


def _redis(s: Scope) -> dict[str, Any]:
    words = argv(s.source)
    spec: dict[str, Any] = {}
    password = option(words, "--requirepass")
    if password and password.startswith("$"):
        password = s.env.get(password.strip("${}")) or None
    password = password or s.first("REDIS_PASSWORD")
    path = s.first("REDIS_PASSWORD_FILE")
    if password or path:
        key = password if password else from_file(path or "")
        spec["auth"] = True
        spec["password"] = Flow(secret=s.book.ref(key, f"{s.name}-password"))
        s.notes.append("auth on: greenroom's Redis reads the password from the secret file")
    if (option(words, "--appendonly") or "").lower() == "yes":
        spec["persistence"] = True
    memory = option(words, "--maxmemory")
    if memory:
        spec["max_memory"] = memory.lower()
    rest = [w for w in words if w.startswith("--")]
    rest = [
        w for w in rest if w.split("=")[0] not in ("--requirepass", "--appendonly", "--maxmemory")
    ]
    s.ignored(rest, "greenroom's Redis takes auth, persistence and max_memory")
    return spec


def _nats(s: Scope) -> dict[str, Any]:
    words = argv(s.source)
    spec: dict[str, Any] = {}
    if "-js" in words or "--jetstream" in words:
        s.notes.append("JetStream on (greenroom's NATS always runs it)")
    else:
        s.notes.append("greenroom's NATS runs JetStream, which this compose service did not")
    token = option(words, "--auth")
    if token:
        spec["auth"] = True
        spec["token"] = Flow(secret=s.book.ref(token, f"{s.name}-token"))
    if option(words, "--user", "--pass"):
        s.attention.append("user/password auth is not modelled; greenroom's NATS takes a token")
    s.attention.append(f"declare JetStream streams and consumers under components.{s.name}.streams")
    return spec


def _aws(s: Scope) -> dict[str, Any]:
    emulator = "moto" if s.image.name.startswith("moto") else "localstack"
    ports = [p.get("target") for p in s.source.get("ports") or []]
    if emulator == "moto" and ports and 4566 not in ports:
        s.attention.append(
            f"greenroom's moto listens on 4566, like LocalStack; URLs that used :{ports[0]} "
            "need updating"
        )
    s.attention.append(
        f"declare buckets, queues, topics, parameters and secrets under components.{s.name}"
    )
    s.ignored(list(s.env), "the emulator's services follow what the model declares")
    return {"emulator": emulator}


def _monitoring(s: Scope) -> dict[str, Any]:
    s.notes.append("its configuration is generated from the model")
    if s.image.name == "prometheus":
        s.attention.append("scrape targets come from services' `metrics:` paths; set them there")
    return {}


def _exporter(s: Scope) -> dict[str, Any]:
    source = s.first("DATA_SOURCE_NAME", "DATA_SOURCE_URI", "DATA_SOURCE_URL") or ""
    host = ""
    if "://" in source:
        try:
            host = urlsplit(source).hostname or ""
        except ValueError:
            host = ""
    elif source:
        host = source.split("@")[-1].split(":")[0].split("/")[0]
    stores = [name for name, kind in s.kinds.items() if kind == "postgres"]
    target = host.replace("_", "-") if host.replace("_", "-") in stores else ""
    if not target and len(stores) == 1:
        target = stores[0]
    s.notes.append("credentials come from the Postgres component; DATA_SOURCE_* not carried")
    if not target:
        s.attention.append("which Postgres it watches is unclear; set postgres: <component>")
        return {}
    return {"postgres": target}


BUILDERS: dict[str, Callable[[Scope], dict[str, Any]]] = {
    "postgres": _postgres,
    "redis": _redis,
    "nats": _nats,
    "aws": _aws,
    "prometheus": _monitoring,
    "alertmanager": _monitoring,
    "postgres-exporter": _exporter,
}


def kind_of(image: str | None) -> str | None:
    """The component kind greenroom runs in place of ``image``, or None."""
    return KINDS.get(parse_image(image).name) if image else None


def is_proxy(image: str | None) -> bool:
    """Whether ``image`` is a reverse proxy (nginx, traefik, caddy...)."""
    return bool(image) and parse_image(image or "").name in PROXIES


def expected_secrets(source: Mapping[str, Any]) -> list[str]:
    """Secret values a component's settings hold that are not in a secret-named variable."""
    words = argv(source)
    found = [option(words, "--requirepass"), option(words, "--auth"), option(words, "--pass")]
    return [value for value in found if value and not value.startswith("$")]
