"""The images greenroom needs, under one namespace whatever their source (the renderer uses it).

Each folder under ``recipes/`` is one image: its ``image.toml`` names the greenroom tag, the
official image a registry pull takes (pinned) and how the air-gapped build makes an equivalent
(Debian packages on the shared base, or a locked venv on a parent such as greenroom/python); the
Dockerfile and scripts beside it describe the image. Adding an image is adding a folder.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenroom.errors import ConfigError, ImageError

NAMESPACE = "greenroom"
RECIPES = Path(__file__).parent / "recipes"
DEBIAN_SUITE = "trixie"
MANIFEST = "image.toml"
BASE = "base"

_NAME = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
_REQUIRED = ("tag",)
_STRINGS = (*_REQUIRED, "upstream", "parent", "registry_only")
_LISTS = ("packages", "passthrough_env")


@dataclass(frozen=True)
class ImageSpec:
    """One image: its greenroom tag, the pinned upstream image it stands in for ("" for
    greenroom's own tools), and the local recipe."""

    name: str
    tag: str
    upstream: str
    packages: tuple[str, ...] = ()
    parent: str = BASE
    passthrough_env: tuple[str, ...] = ()
    recipes: Path = RECIPES
    registry_only: str = ""
    """Why greenroom cannot build it (e.g. Debian does not package it): pulled from a registry,
    or loaded by hand; without either a replica runs without what needs it."""

    @property
    def ref(self) -> str:
        """The reference compose files use, e.g. ``greenroom/postgres:17``."""
        return f"{NAMESPACE}/{self.name}:{self.tag}"

    @property
    def recipe(self) -> Path:
        """The folder holding this image's Dockerfile and scripts for local builds."""
        return self.recipes / self.name


def load_spec(folder: Path) -> ImageSpec:
    """The spec a recipe folder declares in its ``image.toml``; a clear error for a bad one."""
    manifest = folder / MANIFEST
    where = f"{folder.name}/{MANIFEST}"
    if not _NAME.fullmatch(folder.name):
        raise ImageError(
            f"recipe folder {folder.name!r} is not a valid image name",
            hint="use lowercase letters, digits and single '.', '_' or '-' between them",
        )
    if not manifest.is_file():
        raise ImageError(
            f"recipe {folder.name!r} has no {MANIFEST}",
            hint=f"add {folder / MANIFEST} with at least `tag` (`upstream`: what it stands in for)",
        )
    try:
        data = tomllib.loads(manifest.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ImageError(f"{where} is not valid TOML: {exc}") from exc
    _check_fields(data, where)
    return ImageSpec(
        name=folder.name,
        tag=data["tag"],
        upstream=data.get("upstream", ""),
        packages=tuple(_strings(data, "packages", where)),
        parent=data.get("parent", BASE),
        passthrough_env=tuple(_strings(data, "passthrough_env", where)),
        recipes=folder.parent,
        registry_only=data.get("registry_only", ""),
    )


def discover(recipes: Path = RECIPES) -> dict[str, ImageSpec]:
    """Every recipe under ``recipes``, in build order: each parent before the images on it."""
    specs = {
        folder.name: load_spec(folder)
        for folder in sorted(recipes.iterdir())
        if folder.is_dir() and not folder.name.startswith((".", "_"))
    }
    depths = {name: _depth(name, specs, ()) for name in specs}
    return {name: specs[name] for name in sorted(specs, key=lambda n: (depths[n], n))}


def _depth(name: str, specs: Mapping[str, ImageSpec], seen: tuple[str, ...]) -> int:
    """How many recipes lie between ``name`` and the shared base (0 when built on it)."""
    if name in seen:
        raise ImageError(
            f"recipe parents form a cycle: {' -> '.join((*seen, name))}",
            hint=f'point one of them at `parent = "{BASE}"` in its {MANIFEST}',
        )
    parent = specs[name].parent
    if parent == BASE:
        return 0
    if parent not in specs:
        raise ImageError(
            f"{name}/{MANIFEST}: parent {parent!r} is not a recipe",
            hint=f'use `parent = "{BASE}"` or one of: {", ".join(sorted(specs))}',
        )
    return 1 + _depth(parent, specs, (*seen, name))


def _check_fields(data: Mapping[str, Any], where: str) -> None:
    unknown = sorted(set(data) - {*_STRINGS, *_LISTS})
    if unknown:
        raise ImageError(
            f"{where}: unknown key(s) {', '.join(unknown)}",
            hint=f"the keys are: {', '.join((*_STRINGS, *_LISTS))}",
        )
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise ImageError(f"{where}: missing {', '.join(missing)}", hint="add them as strings")
    for key in _STRINGS:
        if key in data and not (isinstance(data[key], str) and data[key]):
            raise ImageError(f"{where}: {key} must be a non-empty string")


def _strings(data: Mapping[str, Any], key: str, where: str) -> list[str]:
    values = data.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise ImageError(f"{where}: {key} must be a list of non-empty strings")
    return list(values)


CATALOG: dict[str, ImageSpec] = discover()
IMAGE_NAMES: tuple[str, ...] = tuple(CATALOG)


def get(name: str) -> ImageSpec:
    """The catalog entry for ``name``; a clear error for a name that is not one."""
    try:
        return CATALOG[name]
    except KeyError:
        raise ConfigError(
            f"unknown image {name!r}",
            hint=f"choose among: {', '.join(IMAGE_NAMES)}",
        ) from None


def image_ref(name: str) -> str:
    """The tag compose files use for ``name``: ``image_ref("redis") == "greenroom/redis:8.0"``."""
    return get(name).ref


def default_tag(name: str) -> str:
    """The tag greenroom builds ``name`` under, so components never repeat it: ``"17"``."""
    return get(name).tag


def select(only: list[str] | None) -> list[ImageSpec]:
    """The specs to make, in build order (a parent such as python before the images on it)."""
    if not only:
        return list(CATALOG.values())
    wanted = {get(name).name for name in only}
    return [spec for spec in CATALOG.values() if spec.name in wanted]
