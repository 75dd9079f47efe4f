"""A no-op `up` that does not load the model: when nothing an `up` reads has changed since the last
one converged, and the engine shows every container as it was left, there is nothing to do.

What an `up` reads: greenroom's own code, the project's envs/ and Compose override, the
`GREENROOM_*` and Docker variables, the `--set` overrides, the services' build folders and the
images of their `image:` services. Their fingerprint is recorded in the replica's state when an
`up` converges; any difference, or any container not healthy, sends `up` down its full path, which
decides (and records a new fingerprint).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import greenroom
from greenroom.listing import Listing
from greenroom.paths import project_root, replica_dir
from greenroom.runtime.containers import ContainerInfo

STATE_KEY = "noop"
_VARIABLE_PREFIXES = ("GREENROOM_", "DOCKER_")


def fingerprint(
    root: Path,
    env_name: str,
    overrides: Sequence[str],
    watched: Iterable[str],
    environ: Mapping[str, str] | None = None,
) -> str:
    """One digest of everything an `up` of ``env_name`` reads apart from the engine: ``watched``
    are the files and folders (relative to ``root``) its model was made from and builds from."""
    environ = os.environ if environ is None else environ
    digest = hashlib.sha256()

    def add(*values: object) -> None:
        for value in values:
            digest.update(str(value).encode() + b"\0")

    add(greenroom.__version__, root.resolve(), env_name, *overrides, "--")
    add(*(f"{k}={v}" for k, v in sorted(environ.items()) if k.startswith(_VARIABLE_PREFIXES)))
    add(*_stats(Path(greenroom.__file__).parent))
    for path in sorted(set(watched)):
        add(*_stats(root / path))
    return digest.hexdigest()


def _stats(folder: Path) -> list[str]:
    """Path, size and modification time of ``folder`` if a file, else of every file below it."""
    if not folder.is_dir():
        return [_stat(str(folder))]
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in {".git", "__pycache__"})
        for name in sorted(filenames):
            out.append(_stat(os.path.join(dirpath, name)))
    return out


def _stat(path: str) -> str:
    try:
        stat = os.stat(path)
    except OSError:
        return f"{path}:absent"
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def record(
    root: Path,
    env_name: str,
    overrides: Sequence[str],
    *,
    watched: Sequence[str],
    images: Mapping[str, str],
    expect: Mapping[str, tuple[int, bool]],
    started: Mapping[str, str],
    endpoints: Listing,
) -> dict[str, Any]:
    """What the state keeps for the next `up`: the inputs' fingerprint, the image each `image:`
    service ran (ref -> ID), the containers found per service (count, one-shot), when each of
    them started (`started_at`), and the masked endpoints it printed."""
    return {
        "fingerprint": fingerprint(root, env_name, overrides, watched),
        "watched": sorted(set(watched)),
        "images": dict(images),
        "expect": {name: list(value) for name, value in expect.items()},
        "started": dict(started),
        "endpoints": {
            "title": endpoints.title,
            "columns": list(endpoints.columns),
            "rows": [[str(cell) for cell in row] for row in endpoints.rows],
        },
    }


def already_up(env_name: str, overrides: Sequence[str]) -> dict[str, Any] | None:
    """The recorded no-op facts when a full `up` would find nothing to do, else None."""
    try:
        root = project_root()
        state = json.loads((replica_dir(env_name, root) / "state.json").read_text())
        facts: dict[str, Any] = state[STATE_KEY]
        if facts["fingerprint"] != fingerprint(root, env_name, overrides, facts["watched"]):
            return None
        return {**facts, "project": state["project"]} if _engine_agrees(state, facts) else None
    except Exception:  # anything unexpected: the full path decides, and explains
        return None


def up_to_date(env_name: str, overrides: Sequence[str] = ()) -> bool:
    """True, after saying so and printing the endpoints, when `up` has certainly nothing to do;
    False sends the caller down `up`'s full path."""
    from greenroom.progress import console, output

    facts = already_up(env_name, overrides)
    if facts is None:
        return False
    shown = facts["endpoints"]
    console.print(f"{facts['project']}: up to date, nothing to do")
    output.print(Listing(shown["title"], shown["columns"], shown["rows"]))
    return True


def started_at(container_ids: Iterable[str]) -> dict[str, str]:
    """Container ID -> when the engine last started it (one inspect each)."""
    from greenroom.images.engine import api

    client = api()
    return {cid: str(client.inspect_container(cid)["State"]["StartedAt"]) for cid in container_ids}


def _still_ready(container: ContainerInfo, started: Mapping[str, str]) -> bool:
    """Healthy, or ready when the last `up` probed it and neither restarted nor failed a
    healthcheck since: right after an `up` the engine's first healthcheck has not ticked yet."""
    if container.ok:
        return True
    if container.status != "running" or container.health != "starting":
        return False
    from greenroom.images.engine import api

    state = api().inspect_container(container.id)["State"]
    return bool(
        started.get(container.id) == state["StartedAt"]
        and not (state.get("Health") or {}).get("FailingStreak")
    )


def _engine_agrees(state: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    from greenroom.images.engine import api
    from greenroom.runtime.containers import by_service, project_containers

    client = api()
    for ref, image_id in facts["images"].items():
        if client.inspect_image(ref)["Id"] != image_id:
            return False
    grouped = by_service(project_containers(state["project"]))
    expect = facts["expect"]
    if set(grouped) - set(expect):
        return False
    for name, (count, one_shot) in expect.items():
        found = grouped.get(name, [])
        if one_shot:
            if not found or any(c.status != "exited" or c.exit_code for c in found):
                return False
        elif len(found) != count or not all(_still_ready(c, facts["started"]) for c in found):
            return False
    return True
