"""Single throwaway containers for tests that need one component and no replica (testcontainers).

A kind offers one as a standalone pytest fixture (``Fixture(..., standalone=True)``); this module
holds what they share: the local image check and skip-or-fail when the engine is missing.
"""

from __future__ import annotations

import os


def image_present(ref: str) -> bool | None:
    """True/False whether the engine has ``ref`` locally; None when the engine is unreachable."""
    from greenroom.errors import GreenroomError
    from greenroom.images import engine

    try:
        return engine.image_id(ref) is not None
    except (GreenroomError, OSError):
        return None


def unavailable(message: str) -> None:
    """Skip on a laptop, fail in CI: a CI run must not pass by skipping."""
    import pytest

    if os.environ.get("GREENROOM_REQUIRE_ENGINE") or os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def local_image(name: str) -> str:
    """The local greenroom image ``name``, ready for testcontainers (skip or fail when absent)."""
    from testcontainers.core.config import testcontainers_config as config

    from greenroom.images.catalog import image_ref

    ref = image_ref(name)
    present = image_present(ref)
    if present is None:
        unavailable("the Docker engine is unreachable: throwaway containers need it")
    if not present:
        unavailable(f"image {ref} is not built: run `inv images` first")
    if not config.ryuk_disabled and not image_present(config.ryuk_image):
        config.ryuk_disabled = True
    return ref
