"""Images from two sources, one namespace: pinned registry pulls, or air-gapped local builds.

Other layers need only this surface: ``image_ref(name)`` for compose files, ``IMAGE_NAMES``,
``ensure_images(...)`` behind `inv images`, and ``build_service_image(...)`` for team services
(``build_app_image(context, tag)`` for the wheelhouse contract).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from greenroom.lazy import exports

if TYPE_CHECKING:
    from greenroom.images.appimage import build_app_image
    from greenroom.images.build import build_service_image
    from greenroom.images.catalog import CATALOG, IMAGE_NAMES, ImageSpec, image_ref
    from greenroom.images.ensure import ensure_images

_HOMES = {
    "CATALOG": "catalog",
    "IMAGE_NAMES": "catalog",
    "ImageSpec": "catalog",
    "build_app_image": "appimage",
    "build_service_image": "build",
    "ensure_images": "ensure",
    "image_ref": "catalog",
}

__all__ = [
    "CATALOG",
    "IMAGE_NAMES",
    "ImageSpec",
    "build_app_image",
    "build_service_image",
    "ensure_images",
    "image_ref",
]

__getattr__ = exports(__name__, _HOMES)
