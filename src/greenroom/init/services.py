"""A compose service greenroom does not run itself -> `services.<name>`: build or image, port,
health path, depends_on, env, and its secrets as references.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any

from greenroom.init.entry import Entry, Mapped, model_name, unmodelled
from greenroom.init.secretbook import (
    MIN_EMBEDDED,
    SecretBook,
    from_file,
    is_secret_name,
    strip_password,
    url_password,
)
from greenroom.init.yamltext import Commented

_HTTP_CHECK = re.compile(
    r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(/[^\s'\"|;&>]*)?"
)
_URL_SUFFIX = re.compile(r"_(URL|URI|DSN|ADDR|ADDRESS)$")
PROVIDED_BY = {
    "postgres": ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE"),
    "redis": ("REDIS_URL",),
    "aws": (
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ),
}
"""Variables a kind gives every service that depends on it (see each kind's `client()`)."""


def service(
    entry: Entry,
    book: SecretBook,
    renamed: Mapping[str, str],
    component_kinds: Mapping[str, str],
    root: str,
) -> None:
    """A service greenroom builds or pulls as compose did, with what the model has a place for."""
    config = entry.config
    mapped = Mapped(entry.source, f"services.{entry.name}", "service", entry.zone)
    entry.mapped = mapped
    if entry.name != entry.source:
        mapped.attention.append(f"renamed to {entry.name}: update host names that use it")
    spec: dict[str, Any] = {}
    build = config.get("build")
    if build:
        spec["build"] = _build(build, root, book, mapped)
    else:
        spec["image"] = str(config.get("image"))
    command = [str(word) for word in config.get("command") or []]
    if command and any(book.within(word) for word in command):
        mapped.attention.append("command holds a secret value: not carried; set command: by hand")
    elif command:
        spec["command"] = command
    if entry.zone != "app":
        spec["zone"] = entry.zone
    if entry.one_shot:
        spec["one_shot"] = True
        mapped.notes.append("one_shot: others wait for it to complete")
    depends = _depends_on(config, renamed, component_kinds, mapped)
    _ports_and_health(config, spec, mapped, entry.zone == "edge")
    env, secrets = _environment(entry, book, depends, component_kinds, mapped)
    if depends:
        spec["depends_on"] = depends
    replicas = (config.get("deploy") or {}).get("replicas")
    if isinstance(replicas, int) and replicas != 1:
        spec["replicas"] = replicas
    if env:
        spec["env"] = env
    if secrets:
        spec["secrets"] = secrets
    if entry.zone == "edge":
        mapped.notes.append(
            "kept a service: greenroom's ingress needs routes its config would give"
        )
        above = [
            "Kept a service: the proxy's own config file could not be read into ingress routes.",
            "To let greenroom generate it, replace this with components.ingress.routes.",
        ]
        if not depends:
            mapped.attention.append("a service reaches only what it depends_on: add its upstreams")
        entry.above = tuple(above)
    entry.spec = spec
    unmodelled(config, mapped, root=root, component=False)


def _build(build: Mapping[str, Any], root: str, book: SecretBook, mapped: Mapped) -> Any:
    """The folder form, or the mapping form (dockerfile, target, args) where the model takes it."""
    context = str(build.get("context") or ".")
    if "://" in context or context.startswith("git@"):
        mapped.attention.append(f"remote build context {context}: clone it into the project")
        return "."
    relative = posixpath.relpath(context, root) if context.startswith("/") else context
    folder = "." if relative == "." else relative.removeprefix("./")
    extra: dict[str, Any] = {}
    dockerfile = str(build.get("dockerfile") or "Dockerfile")
    if dockerfile.startswith("/"):
        dockerfile = posixpath.relpath(dockerfile, context)
    if dockerfile != "Dockerfile":
        extra["dockerfile"] = dockerfile
    if build.get("target"):
        extra["target"] = str(build["target"])
    args = {}
    for name, value in sorted((build.get("args") or {}).items()):
        text = "" if value is None else str(value)
        if is_secret_name(name) or book.within(text):
            mapped.attention.append(f"build arg {name} looks secret: not carried")
        else:
            args[name] = text
    if args:
        extra["args"] = args
    if not extra:
        return folder
    if build_mapping_supported():
        return {"context": folder, **extra}
    text = "; ".join(f"{key} {value}" for key, value in extra.items() if key != "args")
    text += f"; args {', '.join(args)}" if args else ""
    text = text.lstrip("; ")
    mapped.attention.append(f"build takes a folder only; not carried: {text}")
    return Commented(folder, above=[f"compose also set {text}; the model builds a folder"])


def build_mapping_supported() -> bool:
    """Whether the model's `build:` takes `{context, dockerfile, target, args}` or only a folder."""
    from pydantic import ValidationError

    from greenroom.model.types import Service

    try:
        Service.model_validate({"build": {"context": "app", "target": "x"}})
    except ValidationError:
        return False
    return True


def _depends_on(
    config: Mapping[str, Any],
    renamed: Mapping[str, str],
    component_kinds: Mapping[str, str],
    mapped: Mapped,
) -> list[str]:
    """Compose's depends_on, plus the components its variables name: zones connect only those."""
    depends = [renamed.get(t, model_name(t)) for t in sorted(config.get("depends_on") or {})]
    stores = {source: name for source, name in renamed.items() if name in component_kinds}
    environment = config.get("environment") or {}
    for var in sorted(environment):
        text = str(environment[var] or "")
        for source, name in sorted(stores.items()):
            if name not in depends and re.search(rf"(^|//|@){re.escape(source)}(:\d+|/|$)", text):
                depends.append(name)
                mapped.notes.append(
                    f"depends_on {name} added: {var} names it, and a service reaches only "
                    "what it depends on"
                )
    return depends


def _ports_and_health(
    config: Mapping[str, Any], spec: dict[str, Any], mapped: Mapped, proxy: bool
) -> None:
    targets = [int(p["target"]) for p in config.get("ports") or [] if p.get("target")]
    targets += [int(str(p).split("/")[0]) for p in config.get("expose") or []]
    targets = list(dict.fromkeys(targets))
    if targets:
        spec["port"] = targets[0]
    if len(targets) > 1:
        rest = ", ".join(map(str, targets[1:]))
        mapped.attention.append(f"only the first container port is modelled; also used: {rest}")
    check = _http_check(config.get("healthcheck") or {})
    if check is not None:
        port, path = check
        spec["health"] = path
        if port and port != spec.get("port"):
            spec["health_port"] = port
        mapped.notes.append(f"health {path} from the compose healthcheck")
    elif proxy and targets:
        spec["health"] = Commented("/", after="the proxy answers / ; no health path in compose")
    elif targets:
        mapped.attention.append(
            f"no HTTP healthcheck in compose: greenroom probes GET /healthz on {targets[0]}; "
            "set health: to a path it serves"
        )


def _http_check(healthcheck: Mapping[str, Any]) -> tuple[int | None, str] | None:
    """(port, path) of a curl or wget healthcheck against a localhost URL, or None."""
    if healthcheck.get("disable"):
        return None
    test = healthcheck.get("test") or []
    text = " ".join(map(str, test)) if isinstance(test, list) else str(test)
    if not re.search(r"\b(curl|wget)\b", text):
        return None
    match = _HTTP_CHECK.search(text)
    if match is None:
        return None
    port = int(match.group(1)) if match.group(1) else (80 if text.find("https") < 0 else 443)
    return port, match.group(2) or "/"


def _environment(
    entry: Entry,
    book: SecretBook,
    depends: list[str],
    component_kinds: Mapping[str, str],
    mapped: Mapped,
) -> tuple[dict[str, Any], dict[str, str]]:
    env: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    given = {
        var: dep for dep in depends for var in PROVIDED_BY.get(component_kinds.get(dep, ""), ())
    }
    raw = entry.config.get("environment") or {}
    for var in sorted(raw):
        value = raw[var]
        if value is None:
            mapped.attention.append(f"{var} has no value in compose (read from the shell)")
            continue
        text = str(value)
        if var in given:
            mapped.notes.append(f"{var}: given by {given[var]}")
            continue
        if var.endswith("_FILE") and is_secret_name(var[:-5]):
            name = posixpath.basename(text) or var[:-5]
            secrets[var[:-5]] = book.ref(from_file(text), name, f"{entry.name}-{name}")
            mapped.notes.append(f"{var}: secret {secrets[var[:-5]]}")
        elif is_secret_name(var) or (len(text) >= MIN_EMBEDDED and book.known(text)):
            if not text:
                mapped.notes.append(f"{var} is empty in compose: left out")
                continue
            secrets[var] = book.ref(text, var, f"{entry.name}-{var}")
            mapped.notes.append(f"{var} -> secret {secrets[var]} (the app reads ${var}_FILE)")
        elif password := url_password(text):
            stem = _URL_SUFFIX.sub("", var)
            holder = f"{stem}_PASSWORD" if f"{stem}_PASSWORD" not in raw else f"{var}_PASSWORD"
            secrets[holder] = book.ref(password, holder, f"{entry.name}-{holder}")
            env[var] = Commented(
                strip_password(text),
                above=[f"Password removed: the app reads it from the file ${holder}_FILE names."],
            )
            mapped.attention.append(
                f"{var}: password moved to secret {secrets[holder]}; the app reads ${holder}_FILE"
            )
        elif book.within(text):
            mapped.attention.append(f"{var} holds a secret value inside it: left out")
        else:
            env[var] = text
    return env, secrets
