"""Start containers Compose has already created, the way Compose starts them, through the Engine
API: a `docker compose up` round trip costs most of a second, an API start a few milliseconds.

Compose copies each environment-sourced secret into a container just before starting it; so
does this, from the same values. Whatever it cannot do exactly as Compose would (a container not
in the `created` state, a secret from a file or from a variable greenroom does not hold) makes it
decline, and the caller runs Compose instead.
"""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePosixPath
from typing import Any

from greenroom.runtime.containers import ContainerInfo

SECRETS_DIR = PurePosixPath("/run/secrets")
DEFAULT_MODE = 0o444


def secret_files(
    compose: Mapping[str, Any], service: str, values: Mapping[str, str]
) -> list[tuple[PurePosixPath, bytes, int, int, int]] | None:
    """(path, content, mode, uid, gid) of every secret ``service`` mounts, as Compose would write
    them; None when one is not an environment-sourced secret whose variable is in ``values``."""
    declared = compose.get("secrets") or {}
    out = []
    for entry in (compose.get("services") or {}).get(service, {}).get("secrets") or []:
        use = {"source": entry} if isinstance(entry, str) else dict(entry)
        source = str(use.get("source", ""))
        variable = (declared.get(source) or {}).get("environment")
        if not variable or variable not in values:
            return None
        target = PurePosixPath(str(use.get("target") or source))
        path = target if target.is_absolute() else SECRETS_DIR / target
        mode = use.get("mode")
        out.append(
            (
                path,
                values[variable].encode(),
                int(str(mode), 8) if isinstance(mode, str) else int(mode or DEFAULT_MODE),
                int(use.get("uid") or 0),
                int(use.get("gid") or 0),
            )
        )
    return out


def tar_archive(files: Sequence[tuple[PurePosixPath, bytes, int, int, int]]) -> bytes:
    """A tar of (path, content, mode, uid, gid) entries, for `put_archive` into a container."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, content, mode, uid, gid in files:
            info = tarfile.TarInfo(str(path).lstrip("/"))
            info.size, info.mode, info.uid, info.gid = len(content), mode, uid, gid
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def start_created(
    services: Sequence[str],
    containers: Mapping[str, list[ContainerInfo]],
    wanted: Mapping[str, int],
    compose: Mapping[str, Any],
    values: Mapping[str, str],
) -> bool:
    """Start every container of ``services``; False, touching nothing, unless each service has
    exactly its ``wanted`` count of containers, all created and never started."""
    from greenroom.images.engine import api

    plan: list[tuple[ContainerInfo, bytes | None]] = []
    for name in services:
        found = containers.get(name, [])
        if len(found) != wanted.get(name) or any(c.status != "created" for c in found):
            return False
        files = secret_files(compose, name, values)
        if files is None:
            return False
        plan.extend((c, tar_archive(files) if files else None) for c in found)

    def start(step: tuple[ContainerInfo, bytes | None]) -> None:
        container, archive = step
        client = api()
        if archive is not None:
            client.put_archive(container.id, "/", archive)
        client.start(container.id)

    # One at a time, the engine's network and port set-up of each start adds up to seconds.
    with ThreadPoolExecutor(max_workers=min(len(plan), 8) or 1) as pool:
        list(pool.map(start, plan))
    return True
