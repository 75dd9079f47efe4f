"""Air-gapped builds: a debootstrapped Debian base imported once, thin per-service layers on it.

Each service's layer is made in a chroot over an overlay of its parents (the base rootfs, and for
LocalStack and moto the python layer too), kept in the cache by content key, and assembled with the
parent image by ``docker load``. Python services install a committed lock from a host wheelhouse.
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from greenroom.errors import ImageError
from greenroom.images import engine
from greenroom.images.aptsources import debian_mirror, read_sources
from greenroom.images.assemble import load_image, write_layer
from greenroom.images.catalog import CATALOG, DEBIAN_SUITE, NAMESPACE, ImageSpec
from greenroom.images.dockerfile import apply, parse
from greenroom.images.keys import KEY_LABEL, SOURCE_LABEL, content_key, tree_digest
from greenroom.images.rootfs import (
    BASE_PACKAGES,
    EXCLUDED,
    KEEP_EMPTY,
    NODOC,
    VARIANT,
    LayerPlan,
    build_layer,
    build_lock,
    ensure_rootfs,
    import_base,
    publish,
    safe_rmtree,
)
from greenroom.images.wheels import ensure_wheelhouse, wheelhouse_key
from greenroom.paths import cache_dir
from greenroom.progress import Progress

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
        kept_empty=list(KEEP_EMPTY),
    )


def base_ref(key: str) -> str:
    """The tag of the shared base image for ``key``."""
    return f"{NAMESPACE}/base:{DEBIAN_SUITE}-{key[:12]}"


def expected_key(spec: ImageSpec, mirror_uri: str) -> str:
    """The key a local build of ``spec`` carries: its parent's key, packages, recipe, lock."""
    parent = (
        base_key(mirror_uri)
        if spec.parent == "base"
        else expected_key(CATALOG[spec.parent], mirror_uri)
    )
    lock = spec.recipe / "requirements.lock"
    wheels = wheelhouse_key(lock.read_text()) if lock.is_file() else ""
    return content_key(
        parent=parent, packages=list(spec.packages), recipe=tree_digest(spec.recipe), wheels=wheels
    )


def is_fresh(spec: ImageSpec, mirror_uri: str) -> bool:
    """True when ``spec``'s tag is a local build of exactly today's inputs."""
    return engine.label(spec.ref, KEY_LABEL) == expected_key(spec, mirror_uri)


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


class LocalBuilder:
    """Builds specs in order, sharing the rootfs and parent layers between them."""

    def __init__(self, progress: Progress, *, force: bool = False) -> None:
        self.progress = progress
        self.force = force
        self.mirror = mirror()
        self.cache = cache_dir()
        self._rootfs: Path | None = None
        self._base = ""
        self._made: set[str] = set()

    def build(self, specs: Sequence[ImageSpec]) -> None:
        """Build every stale spec (all of them with ``force``), one builder per cache at a time."""
        if not self._stale(specs):
            return
        with build_lock(self.cache, lambda: self._waiting(specs)):
            self._build(self._stale(specs))

    def _stale(self, specs: Sequence[ImageSpec]) -> list[ImageSpec]:
        todo = []
        for spec in specs:
            if not self.force and is_fresh(spec, self.mirror):
                self.progress.done(spec.name, "up to date")
            else:
                todo.append(spec)
        return todo

    def _waiting(self, specs: Sequence[ImageSpec]) -> None:
        for spec in specs:
            self.progress.phase(spec.name, "waiting for another greenroom build")

    def _build(self, todo: Sequence[ImageSpec]) -> None:
        if not todo:
            return
        preflight(self.mirror, self.cache)
        for spec in todo:
            try:
                self._image(spec)
            except BaseException as exc:
                self.progress.failed(spec.name, type(exc).__name__)
                raise
            self.progress.done(spec.name, "built")

    def _ensure_base(self, name: str) -> tuple[Path, str]:
        if self._rootfs is None:
            key = base_key(self.mirror)
            ref = base_ref(key)
            self.progress.phase(name, "debootstrap (cached by content key)")
            self._rootfs = ensure_rootfs(self.cache, key, self.mirror, DEBIAN_SUITE)
            if engine.label(ref, KEY_LABEL) != key:
                self.progress.phase(name, f"docker import {ref}")
                import_base(
                    self._rootfs,
                    ref,
                    [
                        f"ENV PATH={BASE_PATH}",
                        "ENV LANG=C.UTF-8",
                        'CMD ["bash"]',
                        f"LABEL {KEY_LABEL}={key}",
                        f"LABEL {SOURCE_LABEL}=local",
                    ],
                )
            self._base = ref
        return self._rootfs, self._base

    def _layer(self, spec: ImageSpec) -> Path:
        """The cached upper dir of ``spec``'s layer (made when missing or forced)."""
        key = expected_key(spec, self.mirror)
        final = self.cache / "layers" / key
        if (final / ".complete").is_file() and (not self.force or key in self._made):
            return final / "upper"
        rootfs, _ = self._ensure_base(spec.name)
        lowers = [rootfs]
        if spec.parent != "base":
            lowers.insert(0, self._layer(CATALOG[spec.parent]))
        recipe = parse((spec.recipe / "Dockerfile").read_text(), f"{spec.recipe}/Dockerfile")
        setup = spec.recipe / "setup.sh"
        binds: tuple[tuple[Path, str], ...] = ()
        lock = spec.recipe / "requirements.lock"
        if lock.is_file():
            self.progress.phase(spec.name, "wheelhouse (pip download on the host)")
            house = ensure_wheelhouse(lock, self.cache)
            binds = ((house.wheels.parent, "/tmp/wheelhouse"),)
        plan = LayerPlan(
            packages=spec.packages,
            setup=setup if setup.is_file() else None,
            copies=tuple((spec.recipe / src, dest) for src, dest in recipe.copies),
            binds=binds,
        )
        partial = self.cache / "layers" / f"{key}.partial-{os.getpid()}"
        safe_rmtree(partial)
        try:
            self.progress.phase(
                spec.name,
                "chroot: "
                + (f"apt-get install {' '.join(spec.packages)}" if spec.packages else "setup.sh"),
            )
            build_layer(lowers, plan, partial)
            for leftover in ("work", "merged"):
                safe_rmtree(partial / leftover)
            (partial / ".complete").write_text(key)
            publish(partial, final, replace=True)
            self._made.add(key)
        finally:
            safe_rmtree(partial)
        return final / "upper"

    def _image(self, spec: ImageSpec) -> str:
        key = expected_key(spec, self.mirror)
        upper = self._layer(spec)
        _, base = self._ensure_base(spec.name)
        parent = base if spec.parent == "base" else CATALOG[spec.parent].ref
        parent_info = engine.inspect_image(parent)
        if parent_info is None:
            raise ImageError(
                f"the parent image {parent} is missing",
                hint=f"build it first: `inv images --only {spec.parent}`",
            )
        recipe = parse((spec.recipe / "Dockerfile").read_text(), f"{spec.recipe}/Dockerfile")
        config = apply(parent_info.get("Config") or {}, recipe.changes)
        config["Labels"] = {**(config.get("Labels") or {}), KEY_LABEL: key, SOURCE_LABEL: "local"}
        scratch = self.cache / "tmp" / f"{spec.name}-{os.getpid()}"
        safe_rmtree(scratch)
        scratch.mkdir(parents=True)
        try:
            self.progress.phase(spec.name, "tar layer")
            tarball = scratch / "layer.tar"
            diff_id = write_layer(upper, tarball, EXCLUDED)
            self.progress.phase(spec.name, "docker load")
            return load_image(
                spec.ref, parent, tarball, diff_id, config, f"greenroom recipe {spec.name}"
            )
        finally:
            safe_rmtree(scratch)


def build_local(specs: Sequence[ImageSpec], progress: Progress, *, force: bool = False) -> None:
    """Build every spec in ``specs`` that is stale (all of them with ``force``), in order."""
    LocalBuilder(progress, force=force).build(specs)
