"""Wheelhouses built on the host with pip, so image builds install Python packages with no network.

The host's own pip configuration (index, certificates) is used here and only here: images get the
wheels, never the configuration. Packages published only as sdists are built into pure-Python wheels
on the host; their hashes are added to the copy of the lock the image installs from.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from greenroom.errors import ImageError
from greenroom.images import engine
from greenroom.images.keys import content_key
from greenroom.images.rootfs import publish, safe_rmtree

PYTHON_VERSION = "3.13"
ABI = "cp313"
PLATFORMS = ("manylinux2014_x86_64", *(f"manylinux_2_{minor}_x86_64" for minor in range(17, 40)))
PIP_HINT = (
    "check pip's index configuration (`pip config list`) and that the lock pins versions "
    "that exist for Python 3.13 on x86_64 Linux"
)


@dataclass(frozen=True)
class Wheelhouse:
    """A folder of wheels plus the lock to install them with (sdist-built wheels' hashes added)."""

    wheels: Path
    lock: Path


def wheelhouse_key(lock_text: str) -> str:
    """What a wheelhouse depends on: the lock's bytes and the target interpreter/platform."""
    return content_key(lock=lock_text, python=PYTHON_VERSION, abi=ABI, platforms=list(PLATFORMS))


def ensure_wheelhouse(lock: Path, cache: Path) -> Wheelhouse:
    """The cached wheelhouse for ``lock`` (Python 3.13 manylinux x86_64), made when missing."""
    text = lock.read_text()
    key = wheelhouse_key(text)
    final = cache / "wheelhouse" / key
    if (final / ".complete").is_file():
        return Wheelhouse(final / "wheels", final / "requirements.lock")
    partial = cache / "wheelhouse" / f"{key}.partial-{os.getpid()}"
    safe_rmtree(partial)
    wheels = partial / "wheels"
    wheels.mkdir(parents=True)
    try:
        _download(lock, wheels)
        built = _build_sdists(wheels)
        (partial / "requirements.lock").write_text(add_hashes(text, built))
        (partial / ".complete").write_text(key)
        publish(partial, final)
    finally:
        safe_rmtree(partial)
    return Wheelhouse(final / "wheels", final / "requirements.lock")


def _download(lock: Path, dest: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--prefer-binary",
        "--dest",
        str(dest),
        "--python-version",
        PYTHON_VERSION,
        "--implementation",
        "cp",
        "--abi",
        ABI,
    ]
    for platform in PLATFORMS:
        cmd += ["--platform", platform]
    cmd += ["-r", str(lock)]
    engine.run(cmd, what=f"pip download of {lock} failed", hint=PIP_HINT)


def _build_sdists(wheels: Path) -> dict[str, str]:
    """Build every downloaded sdist into a wheel; return {normalized name: sha256 of the wheel}."""
    built: dict[str, str] = {}
    for sdist in sorted(p for p in wheels.iterdir() if not p.name.endswith(".whl")):
        before = set(wheels.glob("*.whl"))
        engine.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--wheel-dir",
                str(wheels),
                str(sdist),
            ],
            what=f"building a wheel from {sdist.name} failed",
            hint=PIP_HINT,
        )
        new = sorted(set(wheels.glob("*.whl")) - before)
        if len(new) != 1 or not new[0].name.endswith("-none-any.whl"):
            raise ImageError(
                f"{sdist.name} has no wheel for Python {PYTHON_VERSION} on manylinux x86_64 and "
                "is not pure Python",
                hint="pin a version of it that publishes manylinux wheels, then re-lock",
            )
        sdist.unlink()
        name = normalize(new[0].name.split("-", 1)[0])
        built[name] = hashlib.sha256(new[0].read_bytes()).hexdigest()
    return built


def normalize(name: str) -> str:
    """PEP 503 name normalization (``Jsonpath_RW`` -> ``jsonpath-rw``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def add_hashes(lock_text: str, hashes: dict[str, str]) -> str:
    """The lock with ``--hash`` added for wheels built here (only where the lock uses hashes)."""
    uses_hashes = "--hash=" in lock_text
    out: list[str] = []
    for line in logical_lines(lock_text):
        match = _NAME_RE.match(line)
        name = normalize(match.group(1)) if match else ""
        if uses_hashes and name in hashes and not line.lstrip().startswith("-"):
            line = f"{line} --hash=sha256:{hashes[name]}"
        out.append(line)
    return "\n".join(out) + "\n"


def logical_lines(text: str) -> list[str]:
    """Requirement lines with backslash continuations joined and comments dropped."""
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if stripped.endswith("\\"):
            current += stripped[:-1].strip() + " "
            continue
        current += stripped.strip()
        if current.strip():
            lines.append(current.strip())
        current = ""
    if current.strip():
        lines.append(current.strip())
    return lines


def lock_requirements(requirements: Path, lock: Path) -> None:
    """Re-lock ``requirements`` for Python 3.13 on manylinux with uv (a developer step)."""
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "uv",
                "pip",
                "compile",
                str(requirements),
                "--quiet",
                "--python-version",
                PYTHON_VERSION,
                "--python-platform",
                "x86_64-manylinux_2_28",
                "--generate-hashes",
                "--no-header",
                "--output-file",
                str(lock),
            ],
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ImageError(
            f"locking {requirements} failed",
            hint="install uv (`pip install -e '.[dev]'`) and check the index",
        ) from exc
