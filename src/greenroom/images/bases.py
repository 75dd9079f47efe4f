"""The images a Dockerfile starts from, found without a registry: local, pulled, or stood in for.

An image the engine lacks and no registry can provide is stood in for by greenroom's local
equivalent (from the catalogue's ``upstream`` pins, the Debian base, and the model's
``base_images:``), tagged under the name the Dockerfile asks for, for the build only: the
Dockerfile stays as the team wrote it.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from greenroom.errors import ImageError
from greenroom.images import engine
from greenroom.images.catalog import CATALOG, NAMESPACE
from greenroom.images.keys import KEY_LABEL, SOURCE_LABEL, content_key
from greenroom.images.stages import ImageUse

DEBIAN = "debian"
STANDINS = Path(__file__).parent / "standins"
"""Per recipe, an optional Dockerfile adapting greenroom's image to what its upstream offers."""
_DEFAULT_REGISTRY = ("docker.io/library/", "docker.io/", "index.docker.io/library/")
_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)")


@dataclass(frozen=True)
class Base:
    """How one image a Dockerfile names is provided to the build."""

    asked: str
    """The reference as the Dockerfile writes it (after ARG substitution)."""
    image_id: str
    stand_in: str | None = None
    """The local image tagged as ``asked`` for the build; None when ``asked`` itself is there."""


def split_ref(ref: str) -> tuple[str, str | None]:
    """``docker.io/library/python:3.13-slim`` -> (``python``, ``3.13-slim``); no tag -> None."""
    name = ref.split("@", 1)[0]
    for prefix in _DEFAULT_REGISTRY:
        name = name.removeprefix(prefix)
    head, _, last = name.rpartition("/")
    repo, sep, tag = last.partition(":")
    return (f"{head}/{repo}" if head else repo), (tag if sep else None)


def catalogue_table() -> dict[str, str]:
    """Upstream repository -> greenroom image, from each recipe's ``upstream`` pin."""
    return {split_ref(spec.upstream)[0]: spec.ref for spec in CATALOG.values() if spec.upstream}


def debian_base() -> str | None:
    """The greenroom Debian base this machine has (the one its apt sources make), or None."""
    from greenroom.images.local import base_key, base_ref, mirror

    with contextlib.suppress(ImageError, OSError):
        ref = base_ref(base_key(mirror()))
        if engine.image_id(ref):
            return ref
    images = engine.api().images(name=f"{NAMESPACE}/base")
    tags = [t for image in sorted(images, key=lambda i: -i["Created"]) for t in image["RepoTags"]]
    return tags[0] if tags else None


def equivalent(
    ref: str, user: Mapping[str, str], table: Mapping[str, str], debian: Callable[[], str | None]
) -> tuple[str | None, str]:
    """The local stand-in for ``ref`` and where it came from (``base_images`` or greenroom)."""
    repo, tag = split_ref(ref)
    full = f"{repo}:{tag or 'latest'}"
    for pattern, mapped in user.items():
        wanted = pattern if ":" in pattern.rpartition("/")[2] else f"{pattern}:*"
        if fnmatch.fnmatchcase(full, wanted) or fnmatch.fnmatchcase(ref, pattern):
            return mapped, "base_images"
    if repo == DEBIAN:
        return debian(), "greenroom"
    local = table.get(repo)
    if local is None or not _same_version(tag, split_ref(local)[1]):
        return None, "greenroom"
    return local, "greenroom"


def _same_version(asked: str | None, local: str | None) -> bool:
    """``3.13-slim`` fits 3.13, ``17.6`` fits 17, ``latest`` fits anything; ``3.12`` not 3.13."""
    mine = _VERSION.match(asked or "")
    theirs = _VERSION.match(local or "")
    if mine is None or theirs is None:
        return True
    a, b = mine.group(1).split("."), theirs.group(1).split(".")
    common = min(len(a), len(b))
    return a[:common] == b[:common]


def resolve(
    uses: Sequence[ImageUse],
    origin: str,
    *,
    base_images: Mapping[str, str],
    reachable: Callable[[], bool],
) -> list[Base]:
    """How each image of ``uses`` reaches the build; ImageError at its line when none can."""
    table = catalogue_table()
    found: dict[str, Base] = {}
    online: bool | None = None
    for use in uses:
        if use.ref in found:
            continue
        present = engine.image_id(use.ref)
        if present:
            found[use.ref] = Base(use.ref, present)
            continue
        if online is None:
            online = reachable()
        if online:
            found[use.ref] = Base(use.ref, engine.pull(use.ref))
            continue
        found[use.ref] = _stand_in(use, origin, base_images, table)
    return list(found.values())


def _stand_in(
    use: ImageUse, origin: str, base_images: Mapping[str, str], table: Mapping[str, str]
) -> Base:
    where = f"{origin}:{use.line}: {use.written}" if use.line else f"{origin}: {use.written}"
    local, source = equivalent(use.ref, base_images, table, debian_base)
    fix = (
        f'add it to `base_images:` in envs/ (`base_images: {{"{use.ref}": <a local image>}}`), '
        "or build where the engine reaches a registry"
    )
    if local is None:
        raise ImageError(
            f"{where}: {use.ref} is not on this machine, no registry is reachable to pull it, and "
            "greenroom has no local equivalent",
            hint=fix,
        )
    if "@" in use.ref:
        raise ImageError(
            f"{where}: {use.ref} is pinned by digest, which no local image can stand in for",
            hint="drop the digest from the FROM line (keep the tag), or build where the engine "
            "reaches a registry",
        )
    image_id = engine.image_id(local)
    if image_id is None:
        name = local.split("/", 1)[-1].split(":")[0]
        hint = (
            f"make it: `inv images --only {name}`"
            if source == "greenroom"
            else f"build or load {local} first, or change its entry in `base_images:`"
        )
        raise ImageError(f"{where}: {use.ref} stands in as {local}, which is not built", hint=hint)
    if source == "greenroom":
        local, image_id = adapted(local, image_id)
    return Base(use.ref, image_id, stand_in=local)


def adapted(local: str, image_id: str) -> tuple[str, str]:
    """``local`` with its recipe's stand-in adapter applied (built once per base), if it has one.

    greenroom/python has no pip of its own; Dockerfiles written for the official python image run
    ``pip install``, so its stand-in is ``greenroom/python:3.13-upstream`` with pip added offline.
    """
    name = local.split("/", 1)[-1].split(":")[0]
    recipe = STANDINS / name
    if not (recipe / "Dockerfile").is_file():
        return local, image_id
    ref = f"{local}-upstream"
    key = content_key(base=image_id, adapter=(recipe / "Dockerfile").read_text())
    if engine.label(ref, KEY_LABEL) == key:
        return ref, str(engine.image_id(ref))
    built = engine.build(
        recipe,
        ref,
        build_args={"BASE_IMAGE": local},
        labels={KEY_LABEL: key, SOURCE_LABEL: "local"},
    )
    return ref, built


@contextlib.contextmanager
def standing_in(bases: Sequence[Base]) -> Iterator[None]:
    """Tag each stand-in under the name its Dockerfile asks for, for the build only."""
    tagged: list[Base] = []
    try:
        for base in bases:
            if base.stand_in is not None:
                engine.tag(base.stand_in, base.asked)
                tagged.append(base)
        yield
    finally:
        for base in tagged:
            if engine.image_id(base.asked) == base.image_id:
                engine.remove(base.asked)
