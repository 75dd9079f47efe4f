"""Air-gapped builds: a debootstrapped Debian base imported once, thin per-service layers on it.

Python images (LocalStack, moto) are app images on ``greenroom/python`` built from a committed lock.
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from greenroom.errors import ImageError
from greenroom.images import engine
from greenroom.images.appimage import app_image_key, build_app_image
from greenroom.images.aptsources import debian_mirror, read_sources
from greenroom.images.catalog import DEBIAN_SUITE, NAMESPACE, ImageSpec, image_ref
from greenroom.images.keys import KEY_LABEL, SOURCE_LABEL, content_key, tree_digest
from greenroom.images.progress import Progress
from greenroom.images.rootfs import (
    BASE_PACKAGES,
    EXCLUDED,
    NODOC,
    VARIANT,
    ensure_rootfs,
    import_base,
    install_layer,
    safe_rmtree,
)
from greenroom.paths import cache_dir

MIN_FREE_BYTES = 4 * 1024**3
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def mirror() -> str:
    """The Debian mirror from this machine's apt sources."""
    return debian_mirror(read_sources())


def base_key(mirror_uri: str, suite: str = DEBIAN_SUITE) -> str:
    """What the shared base depends on: mirror, suite, debootstrap variant, extras, exclusions."""
    return content_key(
        mirror=mirror_uri,
        suite=suite,
        variant=VARIANT,
        include=list(BASE_PACKAGES),
        nodoc=NODOC,
        excluded=list(EXCLUDED),
    )


def base_ref(key: str) -> str:
    """The tag of the shared base image for ``key``."""
    return f"{NAMESPACE}/base:{DEBIAN_SUITE}-{key[:12]}"


def expected_key(spec: ImageSpec, mirror_uri: str) -> str | None:
    """The key a fresh local build of ``spec`` would carry (None: its base image is missing)."""
    if spec.python_app:
        python_id = engine.image_id(image_ref("python"))
        return app_image_key(spec.recipe, python_id) if python_id else None
    return content_key(
        base=base_key(mirror_uri), packages=list(spec.packages), recipe=tree_digest(spec.recipe)
    )


def is_fresh(spec: ImageSpec, mirror_uri: str) -> bool:
    """True when ``spec``'s tag is a local build of exactly today's inputs."""
    key = expected_key(spec, mirror_uri)
    return key is not None and engine.label(spec.ref, KEY_LABEL) == key


def preflight(mirror_uri: str, cache: Path) -> None:
    """Fail early, with the fix, on what would otherwise fail minutes into a build."""
    if os.geteuid() != 0:
        raise ImageError(
            "local image builds need root (debootstrap, mount, chroot)",
            hint="run as root, or pull official images: `inv images --source registry`",
        )
    if shutil.which("debootstrap") is None:
        raise ImageError(
            "debootstrap is not installed (local builds make their rootfs with it)",
            hint="`apt-get install debootstrap` (or run ./scripts/bootstrap)",
        )
    url = f"{mirror_uri}/dists/{DEBIAN_SUITE}/Release"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=15):
            pass
    except (urllib.error.URLError, OSError) as exc:
        raise ImageError(
            f"the Debian mirror {mirror_uri} is unreachable ({exc})",
            hint="check the network and `apt-get update`; the mirror comes from "
            "/etc/apt/sources.list and /etc/apt/sources.list.d/",
        ) from exc
    for where in (cache, Path(engine.info("DockerRootDir"))):
        if where.exists() and shutil.disk_usage(where).free < MIN_FREE_BYTES:
            free = shutil.disk_usage(where).free / 1024**3
            raise ImageError(
                f"only {free:.1f} GiB free in {where}; local builds need 4 GiB",
                hint=engine.DISK_HINT,
            )


def build_local(specs: Sequence[ImageSpec], progress: Progress, *, force: bool = False) -> None:
    """Build every spec in ``specs`` that is stale (all of them with ``force``), in order."""
    mirror_uri = mirror()
    todo = []
    for spec in specs:
        if not force and is_fresh(spec, mirror_uri):
            progress.done(spec.name, "up to date")
        else:
            todo.append(spec)
    if not todo:
        return
    cache = cache_dir()
    preflight(mirror_uri, cache)
    rootfs: Path | None = None
    base = ""
    for spec in todo:
        if spec.python_app:
            progress.phase(spec.name, "wheelhouse + docker build")
            _guarded(spec, progress, partial(build_app_image, spec.recipe, spec.ref, force=force))
            continue
        if rootfs is None:
            rootfs, base = _ensure_base(mirror_uri, cache, progress, spec.name)
        key = expected_key(spec, mirror_uri)
        assert key is not None
        _guarded(spec, progress, partial(_build_apt, spec, key, rootfs, base, cache, progress))


def _guarded(spec: ImageSpec, progress: Progress, step: Callable[[], object]) -> None:
    try:
        step()
    except BaseException as exc:
        progress.failed(spec.name, type(exc).__name__)
        raise
    progress.done(spec.name, "built")


def _ensure_base(mirror_uri: str, cache: Path, progress: Progress, name: str) -> tuple[Path, str]:
    key = base_key(mirror_uri)
    ref = base_ref(key)
    progress.phase(name, "debootstrap (cached by content key)")
    rootfs = ensure_rootfs(cache, key, mirror_uri, DEBIAN_SUITE)
    if engine.label(ref, KEY_LABEL) != key:
        progress.phase(name, f"docker import {ref}")
        import_base(
            rootfs,
            ref,
            [
                f"ENV PATH={BASE_PATH}",
                "ENV LANG=C.UTF-8",
                'CMD ["bash"]',
                f"LABEL {KEY_LABEL}={key}",
                f"LABEL {SOURCE_LABEL}=local",
            ],
        )
    return rootfs, ref


def _build_apt(
    spec: ImageSpec, key: str, rootfs: Path, base: str, cache: Path, progress: Progress
) -> None:
    scratch = cache / "tmp" / f"{spec.name}-{os.getpid()}"
    safe_rmtree(scratch)
    scratch.mkdir(parents=True)
    try:
        progress.phase(spec.name, f"apt-get install {' '.join(spec.packages)}")
        setup = spec.recipe / "setup.sh"
        layer = install_layer(
            rootfs, spec.packages, setup if setup.is_file() else None, scratch / "overlay"
        )
        context = scratch / "context"
        shutil.copytree(spec.recipe, context, ignore=shutil.ignore_patterns("setup.sh"))
        for script in context.glob("*.sh"):
            script.chmod(0o755)
        layer.rename(context / "layer.tar")
        progress.phase(spec.name, "docker build")
        engine.build(
            context,
            spec.ref,
            build_args={"BASE_IMAGE": base},
            labels={KEY_LABEL: key, SOURCE_LABEL: "local"},
        )
    finally:
        safe_rmtree(scratch)
