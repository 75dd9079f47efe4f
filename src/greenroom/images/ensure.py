"""`inv images`: every image greenroom needs, pulled or built locally, under one namespace."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from greenroom.errors import ConfigError, GreenroomError
from greenroom.images import engine, local, registry
from greenroom.images.catalog import CATALOG, ImageSpec, select
from greenroom.images.keys import SOURCE_LABEL
from greenroom.listing import Listing
from greenroom.progress import Progress, output

SOURCES = ("auto", "registry", "local")
SOURCE_ENV = "GREENROOM_IMAGE_SOURCE"


def resolve_source(flag: str, environ: Mapping[str, str] | None = None) -> str:
    """The requested source: the flag, else ``GREENROOM_IMAGE_SOURCE`` when the flag is "auto"."""
    environ = os.environ if environ is None else environ
    source = flag.strip().lower() or "auto"
    origin = "--source"
    if source == "auto" and environ.get(SOURCE_ENV):
        source, origin = environ[SOURCE_ENV].strip().lower(), SOURCE_ENV
    if source not in SOURCES:
        raise ConfigError(
            f"{origin}={source!r} is not an image source", hint=f"use one of: {', '.join(SOURCES)}"
        )
    return source


def choose_source(requested: str, registry_reachable: Callable[[], bool]) -> str:
    """``auto`` becomes ``registry`` when the engine reaches its registry, else ``local``."""
    if requested != "auto":
        return requested
    return "registry" if registry_reachable() else "local"


def fresh_any(spec: ImageSpec, mirror_uri: str | None) -> bool:
    """Up to date from either source: a pinned pull, or a local build of today's inputs (an image
    greenroom cannot build counts once it is on the machine, however it came)."""
    if registry.is_fresh(spec):
        return True
    if spec.registry_only:
        return engine.image_id(spec.ref) is not None
    return mirror_uri is not None and local.is_fresh(spec, mirror_uri)


def with_dependencies(specs: Sequence[ImageSpec]) -> list[ImageSpec]:
    """Every parent an image builds on comes with it, in the catalogue's (parents-first) order."""
    wanted = {s.name for s in specs}
    pending = list(wanted)
    while pending:
        parent = CATALOG[pending.pop()].parent
        if parent in CATALOG and parent not in wanted:
            wanted.add(parent)
            pending.append(parent)
    return [spec for spec in CATALOG.values() if spec.name in wanted]


def ensure_images(
    source: str = "auto", only: list[str] | None = None, force: bool = False, quiet: bool = False
) -> dict[str, str]:
    """Make the images (all, or ``only``) present and current; return {name: image ID}.

    ``source`` is ``registry``, ``local`` or ``auto`` (registry when reachable, else local);
    ``quiet`` prints only work actually done (for callers like `inv up`), no summary table.
    """
    requested = resolve_source(source)
    specs = select(only)
    engine.server_version()
    with Progress([s.name for s in specs], quiet=quiet) as progress:
        remaining = list(specs)
        if requested == "auto" and not force:
            mirror_uri = _mirror_or_none()
            remaining = [s for s in specs if not fresh_any(s, mirror_uri)]
            for spec in specs:
                if spec not in remaining:
                    progress.done(spec.name, "up to date")
        if remaining:
            chosen = choose_source(requested, registry.reachable)
            pulled = [s for s in remaining if s.upstream] if chosen == "registry" else []
            if pulled:
                registry.pull(pulled, progress, force=force)
            built = [s for s in remaining if s not in pulled]  # greenroom's own tools are built
            for spec in [s for s in built if s.registry_only]:
                progress.done(spec.name, "not built: it needs a registry (replicas run without it)")
            built = [s for s in built if not s.registry_only]
            if built:
                local.build_local(with_dependencies(built), progress, force=force)
    ids = {spec.name: engine.image_id(spec.ref) or "" for spec in specs}
    if not quiet:
        _summary(specs, ids)
    return ids


def unavailable(names: Sequence[str]) -> dict[str, str]:
    """Image name -> why it is missing, for each of ``names`` greenroom cannot build that is not
    on the machine (call after `ensure_images`, which pulls it when a registry answers)."""
    out: dict[str, str] = {}
    for spec in select(list(names)):
        if spec.registry_only and engine.image_id(spec.ref) is None:
            out[spec.name] = (
                f"its image ({spec.upstream}) is not on this machine and no registry answered; "
                f"{spec.registry_only}. On a machine with a registry: `docker pull "
                f"{spec.upstream}`, then `docker tag {spec.upstream} {spec.ref}` (or `docker save` "
                "and `docker load` it here)"
            )
    return out


def _mirror_or_none() -> str | None:
    try:
        return local.mirror()
    except GreenroomError:
        return None


def _summary(specs: Sequence[ImageSpec], ids: Mapping[str, str]) -> None:
    table = Listing("greenroom images", ("name", "image", "source", "id"))
    for spec in specs:
        source = engine.label(spec.ref, SOURCE_LABEL) or "registry"
        table.add_row(spec.name, spec.ref, source, ids[spec.name][:19])
    output.print(table)
