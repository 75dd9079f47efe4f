"""The image of every team service, built or pulled, by service name: what a replica runs and what
a suite records as evidence.

A built service gets its image from `build_service_image` (one build per distinct build spec); an
`image:` service runs its image as named when the engine has it, pulled when a registry answers,
else greenroom's local equivalent (the catalogue or the model's `base_images:`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from greenroom.images import registry

if TYPE_CHECKING:
    from greenroom.model.environment import Environment
    from greenroom.model.types import BuildSpec

APP_NAMESPACE = "greenroom-app"


def build_tag(project: str, build: str | BuildSpec) -> str:
    """Where a build spec's image is tagged: its folder's name, and a short key when not plain."""
    from greenroom.images.build import as_build_spec

    spec = as_build_spec(build)
    folder = PurePosixPath(spec.context).name or "root"
    plain = spec.dockerfile == "Dockerfile" and not spec.target and not spec.args
    suffix = "" if plain else "-" + hashlib.sha256(repr(spec).encode()).hexdigest()[:8]
    return f"{APP_NAMESPACE}/{project}-{folder}{suffix}:latest".lower()


def service_images(
    env: Environment,
    root: Path,
    *,
    reachable: Callable[[], bool] = registry.reachable,
) -> dict[str, str]:
    """Service -> image ID for every service of ``env``; builds what changed, nothing else."""
    from greenroom.images.build import build_service_image

    out: dict[str, str] = {}
    built: dict[str, str] = {}
    for name, service in sorted(env.services.items()):
        if service.build is not None:
            tag = build_tag(env.project, service.build)
            if tag not in built:
                built[tag] = build_service_image(
                    root, name, service.build, tag, base_images=env.base_images
                )
            out[name] = built[tag]
        elif service.image:
            out[name] = _present(name, service.image, env.base_images, reachable)
    return out


def _present(
    name: str, ref: str, base_images: Mapping[str, str], reachable: Callable[[], bool]
) -> str:
    """The ID of ``ref`` on this engine, or of greenroom's equivalent standing in for it.

    The replica runs the image by ID, so a stand-in needs no tag under the name asked for.
    """
    from greenroom.images.bases import resolve
    from greenroom.images.stages import ImageUse

    (base,) = resolve(
        [ImageUse(ref, 0, f"image: {ref}")],
        f"services.{name}",
        base_images=base_images,
        reachable=reachable,
    )
    return base.image_id
