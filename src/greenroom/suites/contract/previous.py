"""N-1: the previous release's images, smoke-tested against the schema the new build's migrations
leave (expand/contract: the running release must survive the new expand migrations).

The replica keeps its one-shot services (the migrations) on the new build and runs each
long-running service on the image the last promoted release ran; greenroom's smoke suite and the
team's run against it, then the replica is brought back to the new build.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from greenroom.model.environment import Environment
from greenroom.release.ledger import entries
from greenroom.suites.contract.history import releases
from greenroom.suites.report import summarize

VARIABLE = "GREENROOM_PREVIOUS_IMAGES"
LOCAL = "greenroom-previous"
SHOWN = 3
EXPAND_FIRST = (
    "ship the schema change as expand first (new tables, nullable or defaulted columns, the old "
    "ones kept), move the code off what it replaces, and contract (drop, rename) in a later "
    "release: the previous release keeps running on the new schema until it is replaced"
)
"""What to do when the previous release fails on this build's schema."""


def parse_images(text: str) -> dict[str, str]:
    """``api=sha256:...,worker=repo:tag`` -> service -> image."""
    pairs = (item.partition("=") for item in text.split(",") if item.strip())
    return {name.strip(): image.strip() for name, _, image in pairs if name.strip() and image}


def previous_images(
    root: Path, env: Environment, environ: Mapping[str, str], ledger: Path | None = None
) -> tuple[str, dict[str, str]] | None:
    """Where the previous images come from and what they are: ``GREENROOM_PREVIOUS_IMAGES``, or
    the images of a passing run at the last promoted release's commit in the ledger."""
    given = parse_images(environ.get(VARIABLE, ""))
    if given:
        return VARIABLE, given
    shipped = releases(root, env.contracts.releases)
    if not shipped:
        return None
    last = shipped[-1]
    for entry in reversed(entries(path=ledger)):
        if entry.passed and entry.images and entry.commit.split("+")[0] == last.commit:
            return last.tag, dict(entry.images)
    return None


def local_ref(service: str, image: str) -> str:
    """A local tag for ``image`` that the model accepts as `image:` (an ID is no reference)."""
    from greenroom.images.engine import tag

    ref = f"{LOCAL}/{service}:{image.removeprefix('sha256:')[:12]}"
    tag(image, ref)
    return ref


def long_running(env: Environment, images: Mapping[str, str]) -> dict[str, str]:
    """The previous images of the services that keep running through a deploy; one-shots (the
    migrations) stay on the new build."""
    return {
        name: image
        for name, image in sorted(images.items())
        if (service := env.services.get(name)) is not None and not service.one_shot
    }


def overrides(env: Environment, images: Mapping[str, str]) -> list[str]:
    """``--set`` flags that put each long-running service on its previous image."""
    flags = []
    for name, image in long_running(env, images).items():
        flags += [f"services.{name}.build=null", f"services.{name}.image={local_ref(name, image)}"]
    return flags


def described(source: str, images: Mapping[str, str]) -> str:
    """``v1.0.0 (api sha256:0123456789ab, worker sha256:...)``: a release and its images, short."""
    listed = ", ".join(
        f"{name} {image[:19] if image.startswith('sha256:') else image}"
        for name, image in sorted(images.items())
    )
    return f"{source} ({listed})"


def smoke(
    env_name: str, flags: list[str], junit: Path, ledger: Path
) -> subprocess.CompletedProcess[str]:
    """`greenroom up` with ``flags``, then `greenroom test smoke`, in a child process each."""
    base = [sys.executable, "-m", "greenroom"]
    sets = [arg for flag in flags for arg in ("--set", flag)]
    environ = {**os.environ, "GREENROOM_LEDGER": str(ledger)}
    brought = subprocess.run(
        [*base, "up", env_name, *sets], capture_output=True, text=True, env=environ, check=False
    )
    if brought.returncode != 0:
        return brought
    return subprocess.run(
        [*base, "test", "smoke", "--env", env_name, "--junit", str(junit), *sets],
        capture_output=True,
        text=True,
        env=environ,
        check=False,
    )


def tail(done: subprocess.CompletedProcess[str]) -> str:
    """The last lines a child process wrote to stderr, on one line."""
    said = [line.strip() for line in done.stderr.splitlines() if line.strip()][-SHOWN:]
    return " / ".join(said) or f"exit code {done.returncode}"


def failure(release: str, env_name: str, ran: subprocess.CompletedProcess[str], junit: Path) -> str:
    """Why the previous release failed on this build's schema and what to do, on one line."""
    if junit.is_file():
        found = [str(f) for f in summarize(junit).failures]
        what = "; ".join(found[:SHOWN]) or f"smoke exited {ran.returncode}"
        more = f" (and {len(found) - SHOWN} more)" if len(found) > SHOWN else ""
        return (
            f"the previous release {release} fails smoke on the schema this build's migrations "
            f"leave: {what}{more}. To fix it, {EXPAND_FIRST}"
        )
    return (
        f"the previous release {release} does not come up on the schema this build's migrations "
        f"leave: {tail(ran)} (see `inv logs {env_name}`). "
        f"If the schema is why, {EXPAND_FIRST}"
    )


def restore(env_name: str) -> subprocess.CompletedProcess[str]:
    """The replica back on the new build."""
    return subprocess.run(
        [sys.executable, "-m", "greenroom", "up", env_name],
        capture_output=True,
        text=True,
        check=False,
    )


def recorded_images(ledger: Path) -> dict[str, str]:
    """The images the last run in ``ledger`` recorded, by service."""
    found = entries(path=ledger)
    return dict(found[-1].images) if found else {}


def not_run(wanted: Mapping[str, str], ran: Mapping[str, str]) -> str:
    """``service ran X, not Y`` for each previous image the run did not use; "" when all were."""
    from greenroom.images.engine import image_id

    wrong = []
    for service, image in sorted(wanted.items()):
        if service not in ran:
            continue
        expected = image if image.startswith("sha256:") else image_id(image) or image
        if ran[service] != expected:
            wrong.append(f"{service} ran {ran[service]}, not {expected}")
    return "; ".join(wrong)
