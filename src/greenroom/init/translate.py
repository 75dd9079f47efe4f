"""A compose project (as `docker compose config --format json` prints it) -> envs/ text. No I/O.

Known images become components with their settings, the rest become services; secrets become
references; every decision a person should check is a note in the summary.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from greenroom.init import kinds
from greenroom.init.entry import Entry, Mapped, model_name, unmodelled
from greenroom.init.secretbook import (
    SecretBook,
    is_secret_name,
    slug,
    url_password,
)
from greenroom.init.services import service
from greenroom.init.yamltext import Commented, Flow, dump

SCHEMA_LINE = "yaml-language-server: $schema=greenroom.schema.json"


@dataclass(frozen=True)
class Translation:
    """The two env files' text, one entry per compose service and project-wide notes."""

    base: str
    dev: str
    mapped: tuple[Mapped, ...]
    project: tuple[str, ...] = ()
    """Notes about the compose file as a whole (networks, volumes, host ports)."""
    secrets: tuple[str, ...] = ()
    """The secret values found, so a caller can check none of them reached a file."""

    @property
    def attention(self) -> list[str]:
        """Every item that needs a person, as `service: what`."""
        return [f"{m.source}: {text}" for m in self.mapped for text in m.attention]


def translate(
    config: Mapping[str, Any], *, root: str = "/", compose_file: str = "compose.yaml"
) -> Translation:
    """The envs/ files for a compose project; ``root`` is the folder envs/ goes in (absolute).

    >>> t = translate({"name": "team", "services": {"db": {"image": "postgres:16"}}})
    >>> "kind: postgres" in t.base
    True
    """
    services: Mapping[str, Any] = config.get("services") or {}
    book = SecretBook()
    for source in services.values():
        _expect_secrets(source, book)
    entries = _entries(services)
    component_kinds = {e.name: e.kind for e in entries if e.section == "components"}
    renamed = {e.source: e.name for e in entries}
    for entry in entries:
        if entry.section == "components":
            _component(entry, book, component_kinds, root)
        else:
            service(entry, book, renamed, component_kinds, root)
    mapped = tuple(e.mapped for e in entries if e.mapped)
    base, dev = _documents(config, entries, book, compose_file, root)
    return Translation(base, dev, mapped, tuple(_project_notes(config)), tuple(book.values()))


def _expect_secrets(source: Mapping[str, Any], book: SecretBook) -> None:
    for var, value in (source.get("environment") or {}).items():
        if value is None:
            continue
        text = str(value)
        if is_secret_name(var) and not var.endswith("_FILE"):
            book.expect(text)
        password = url_password(text)
        if password:
            book.expect(password)
    for value in kinds.expected_secrets(source):
        book.expect(value)


def _entries(services: Mapping[str, Any]) -> list[Entry]:
    """Components first (they name the secrets apps share), then services, each sorted."""
    entries: list[Entry] = []
    used: set[str] = set()
    for source in sorted(services):
        config = services[source] or {}
        name = model_name(source)
        base, n = name, 2
        while name in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name)
        image = config.get("image")
        kind = None if config.get("build") else kinds.kind_of(image)
        if kind is not None:
            entries.append(Entry(source, name, "components", kind, kinds.ZONES[kind], config))
        else:
            zone = "edge" if kinds.is_proxy(image) and not config.get("build") else "app"
            entries.append(Entry(source, name, "services", "service", zone, config))
    awaited = {
        target
        for config in services.values()
        for target, how in ((config or {}).get("depends_on") or {}).items()
        if (how or {}).get("condition") == "service_completed_successfully"
    }
    for entry in entries:
        entry.one_shot = entry.source in awaited and entry.section == "services"
    entries.sort(key=lambda e: (e.section != "components", e.name))
    return entries


def _component(
    entry: Entry, book: SecretBook, component_kinds: Mapping[str, str], root: str
) -> None:
    image = kinds.parse_image(str(entry.config.get("image")))
    scope = kinds.Scope(entry.name, entry.config, image, book, component_kinds)
    spec = kinds.BUILDERS[entry.kind](scope)
    head: dict[str, Any] = {} if entry.name == entry.kind else {"kind": entry.kind}
    version = _version(entry.kind, image, scope)
    if version:
        head["version"] = version
    entry.spec = {**head, **spec}
    if entry.kind == "postgres-exporter" and "postgres" not in spec:
        entry.section, entry.kind, entry.zone = "services", "service", "ops"
        scope.attention.append("kept as a service: no Postgres component to point it at")
        entry.spec = {"image": str(entry.config.get("image"))}
    mapped = Mapped(entry.source, f"{entry.section}.{entry.name}", entry.kind, entry.zone)
    if entry.name != entry.source:
        mapped.attention.append(f"renamed to {entry.name}: update host names that use it")
    mapped.notes += scope.notes
    mapped.attention += scope.attention
    unmodelled(entry.config, mapped, root=root, component=True)
    entry.mapped = mapped


def _version(kind: str, image: kinds.Image, scope: kinds.Scope) -> str | None:
    """The tag's version where the kind pins one; a note where it differs from greenroom's."""
    from greenroom.components import get

    version = kinds.version_of(image.tag)
    model = get(kind).spec_model
    field_info = model.model_fields.get("version") if model is not None else None
    default = field_info.default if field_info is not None else None
    if version is None:
        if image.tag:
            scope.notes.append(f"tag {image.tag} carries no version; greenroom's default is used")
        return None
    if not isinstance(default, str):
        scope.notes.append(f"runs greenroom's own {kind} image (compose used {image.tag})")
        return None
    if version != default:
        scope.attention.append(
            f"version {version} kept from the tag; greenroom makes {default} by default "
            f"(`inv images`): remove `version:` to run {default}"
        )
    return version


def _project_notes(config: Mapping[str, Any]) -> list[str]:
    """What the compose file says beyond its services, and where that went."""
    notes: list[str] = []
    networks = [n for n in config.get("networks") or {} if n != "default"]
    if networks:
        notes.append(f"networks {', '.join(sorted(networks))} replaced by zones")
    if config.get("volumes"):
        notes.append("named volumes not carried (components keep their own data)")
    if any(s.get("ports") for s in (config.get("services") or {}).values()):
        notes.append("host ports follow exposure.port_base: port_base + port % 1000")
    if config.get("secrets"):
        notes.append("compose secrets became generated secrets; set env:/aws: for real")
    return notes


def _documents(
    config: Mapping[str, Any],
    entries: list[Entry],
    book: SecretBook,
    compose_file: str,
    root: str,
) -> tuple[str, str]:
    project = slug(str(config.get("name") or posixpath.basename(root.rstrip("/")) or "app"))
    used_zones = {e.zone for e in entries}
    zones: dict[str, Any] = {}
    descriptions = {
        "edge": ("Public front door (reverse proxy).", False),
        "app": ("The team's own containers.", False),
        "data": ("Stateful stores; nothing in here reaches the outside.", True),
        "ops": (
            "Operational APIs (AWS emulator, monitoring); greenroom reaches the replica here.",
            False,
        ),
    }
    for zone, (text, internal) in descriptions.items():
        if zone in used_zones or zone in ("app", "ops"):
            zones[zone] = {"description": text, **({"internal": True} if internal else {})}
    edge = [e.name for e in entries if e.zone == "edge" and e.section == "services"]
    published = [e.name for e in entries if e.section == "services" and e.config.get("ports")]
    base: dict[str, Any] = {
        "project": project,
        "description": f"Translated from {compose_file} by `greenroom init`.",
        "zones": zones,
        "exposure": Commented(
            {"publish": "listed", "services": edge or published},
            above=["What a shared environment publishes; dev.yaml publishes everything."],
        ),
    }
    services = {}
    for e in entries:
        if e.section != "services":
            continue
        services[e.name] = Commented(e.spec, above=e.above) if e.above else e.spec
    components = {e.name: e.spec for e in entries if e.section == "components"}
    if services:
        base["services"] = services
    if components:
        base["components"] = components
    if book.declared():
        base["secrets"] = Commented(
            {name: Flow(generate=True) for name in book.declared()},
            above=[
                "Replicas generate throwaway values. A real environment replaces each source with",
                "`env: VAR` or `aws: <SSM or Secrets Manager id>`; see envs/README.md.",
            ],
        )
    header = [SCHEMA_LINE, "What every environment shares; envs/<name>.yaml layers on top."]
    return dump(base, header=header), dev_document()


def dev_document() -> str:
    """envs/dev.yaml: what a laptop's replica changes from base.yaml (it publishes every port)."""
    dev = {
        "name": "dev",
        "description": "Developer replica; everything reachable from the host.",
        "exposure": {"publish": "all"},
        "intended_differences": ["description", "exposure"],
    }
    return dump(dev, header=[SCHEMA_LINE, "A developer's laptop: every port published."])
