"""Official images from a registry, pinned, retagged under the greenroom namespace."""

from __future__ import annotations

from collections.abc import Sequence

from greenroom.images import engine
from greenroom.images.catalog import CATALOG, ImageSpec
from greenroom.progress import Progress

PROBE_IMAGE = CATALOG["registry"].upstream


def reachable(timeout: float = 8.0) -> bool:
    """Can the engine reach its registry? It resolves one pinned manifest (nothing is pulled).

    The engine's own configuration (mirrors, proxies, credentials) applies; no host is named here.
    """
    import docker

    try:
        client = docker.from_env(timeout=int(timeout))
        client.api.inspect_distribution(PROBE_IMAGE)
    except Exception:  # docker, requests and socket errors all mean "not reachable"
        return False
    return True


def is_fresh(spec: ImageSpec) -> bool:
    """True when ``spec``'s tag points at its pinned upstream image."""
    if not spec.upstream:
        return False
    upstream = engine.image_id(spec.upstream)
    return upstream is not None and engine.image_id(spec.ref) == upstream


def pull(specs: Sequence[ImageSpec], progress: Progress, *, force: bool = False) -> None:
    """Pull each pinned upstream image (unless already tagged) and tag it as greenroom's."""
    for spec in specs:
        if not force and is_fresh(spec):
            progress.done(spec.name, "up to date")
            continue
        progress.phase(spec.name, f"docker pull {spec.upstream}")
        try:
            engine.run(
                ["docker", "pull", "--quiet", spec.upstream],
                what=f"docker pull {spec.upstream} failed",
                timeout=1800,
                hint="check the engine's registry access (`docker pull hello-world`), or "
                "build without a registry: `inv images --source local`",
            )
            engine.tag(spec.upstream, spec.ref)
        except BaseException:
            progress.failed(spec.name, "pull")
            raise
        progress.done(spec.name, "pulled")
