"""Python images from a folder with a Dockerfile and a requirements.lock, built without network.

The contract a Dockerfile relies on: ``ARG BASE_IMAGE`` (greenroom/python:3.13 by default), a
``wheels/`` folder next to it holding every wheel the lock needs, and the lock itself as
``requirements.lock`` (install with ``pip install --no-index --find-links /wheels -r ...``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from greenroom.errors import ImageError
from greenroom.images import engine
from greenroom.images.catalog import image_ref
from greenroom.images.keys import KEY_LABEL, SOURCE_LABEL, content_key, tree_digest
from greenroom.images.wheels import ensure_wheelhouse, wheelhouse_key
from greenroom.paths import cache_dir

_IGNORED = shutil.ignore_patterns("__pycache__", ".git", ".pytest_cache", ".mypy_cache", "wheels")


def app_image_key(context: Path, base_id: str) -> str:
    """Everything the image depends on: the folder's files, the lock's wheels, the base image."""
    lock_text = (context / "requirements.lock").read_text()
    return content_key(context=tree_digest(context), base=base_id, wheels=wheelhouse_key(lock_text))


def build_app_image(
    context: Path, tag: str, *, base: str | None = None, force: bool = False
) -> str:
    """Build ``context`` as ``tag`` on ``base``; return the image ID (``sha256:...``).

    Unchanged inputs return the existing image without building, e.g.
    ``build_app_image(Path("app"), "greenroom/app:dev")``.
    """
    context = Path(context)
    for required in ("Dockerfile", "requirements.lock"):
        if not (context / required).is_file():
            raise ImageError(
                f"{context} has no {required}",
                hint="an app folder needs a Dockerfile (ARG BASE_IMAGE, COPY wheels /wheels) and a "
                "pinned requirements.lock",
            )
    base = base or image_ref("python")
    base_id = engine.image_id(base)
    if base_id is None:
        raise ImageError(
            f"the base image {base} is not present",
            hint="make it first: `inv images --only python`",
        )
    key = app_image_key(context, base_id)
    existing = engine.inspect_image(tag)
    if existing and not force and (existing["Config"].get("Labels") or {}).get(KEY_LABEL) == key:
        return str(existing["Id"])
    cache = cache_dir()
    house = ensure_wheelhouse(context / "requirements.lock", cache)
    with tempfile.TemporaryDirectory(prefix="build-", dir=cache) as tmp:
        staged = Path(tmp) / "context"
        shutil.copytree(context, staged, ignore=_IGNORED, symlinks=True)
        shutil.copyfile(house.lock, staged / "requirements.lock")
        shutil.copytree(house.wheels, staged / "wheels", copy_function=_link_or_copy)
        return engine.build(
            staged,
            tag,
            build_args={"BASE_IMAGE": base},
            labels={KEY_LABEL: key, SOURCE_LABEL: "local"},
        )


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
