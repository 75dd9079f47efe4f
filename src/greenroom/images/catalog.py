"""The images greenroom needs, under one namespace whatever their source (the renderer uses it).

Each entry says which official image a registry pull takes (pinned) and how the air-gapped build
makes an equivalent: Debian packages on the shared base, or a locked venv on greenroom/python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from greenroom.errors import ConfigError

NAMESPACE = "greenroom"
RECIPES = Path(__file__).parent / "recipes"
DEBIAN_SUITE = "trixie"


@dataclass(frozen=True)
class ImageSpec:
    """One image: its greenroom tag, the pinned upstream image, and the local recipe."""

    name: str
    tag: str
    upstream: str
    packages: tuple[str, ...] = ()
    parent: str = "base"
    passthrough_env: tuple[str, ...] = ()
    recipes: Path = RECIPES

    @property
    def ref(self) -> str:
        """The reference compose files use, e.g. ``greenroom/postgres:17``."""
        return f"{NAMESPACE}/{self.name}:{self.tag}"

    @property
    def recipe(self) -> Path:
        """The folder holding this image's Dockerfile and scripts for local builds."""
        return self.recipes / self.name


CATALOG: dict[str, ImageSpec] = {
    spec.name: spec
    for spec in (
        ImageSpec(
            "python",
            "3.13",
            "python:3.13.7-slim",
            packages=("python3", "python3-venv", "python-is-python3"),
        ),
        ImageSpec("postgres", "17", "postgres:17.6", packages=("postgresql-17",)),
        ImageSpec("redis", "8.0", "redis:8.0.3", packages=("redis-server", "redis-tools")),
        ImageSpec("nats", "2.10", "nats:2.10.29-alpine", packages=("nats-server", "wget")),
        ImageSpec("nginx", "1.26", "nginx:1.26.3", packages=("nginx",)),
        ImageSpec("registry", "2.8", "registry:2.8.3", packages=("docker-registry",)),
        ImageSpec(
            "localstack",
            "4.14",
            "localstack/localstack:4.14.0",
            parent="python",
            passthrough_env=("LOCALSTACK_AUTH_TOKEN",),
        ),
        ImageSpec("moto", "5", "motoserver/moto:5.2.5", parent="python"),
    )
}

IMAGE_NAMES: tuple[str, ...] = tuple(CATALOG)
AWS_EMULATORS: tuple[str, ...] = ("localstack", "moto")


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


def select(only: list[str] | None) -> list[ImageSpec]:
    """The specs to make, in build order (python first: the emulators build on it)."""
    if not only:
        return list(CATALOG.values())
    wanted = {get(name).name for name in only}
    return [spec for spec in CATALOG.values() if spec.name in wanted]
