"""What earlier releases carried: a project file as it was at each promoted release's git tag."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenroom.errors import ConfigError


@dataclass(frozen=True)
class Release:
    """A promoted release: its tag and the commit the tag points at."""

    tag: str
    commit: str


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False
    )


def releases(root: Path, pattern: str) -> list[Release]:
    """Tags matching ``pattern`` (``v*``), oldest version first; none outside git."""
    try:
        listed = _git(root, "tag", "--list", pattern, "--sort=v:refname")
    except (OSError, subprocess.TimeoutExpired):
        return []
    found = []
    for tag in filter(None, listed.stdout.split()):
        commit = _git(root, "rev-list", "-n", "1", tag).stdout.strip()
        if commit:
            found.append(Release(tag, commit))
    return found


def parse(text: str, name: str) -> Mapping[str, Any]:
    """A JSON or YAML document (by the file name), which must be a mapping."""
    try:
        if name.endswith((".yaml", ".yml")):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(
            f"{name} is not valid {'YAML' if name.endswith(('.yaml', '.yml')) else 'JSON'}: {exc}",
            hint=f"fix {name}; the contract suite reads it as the contract of record",
        ) from None
    if not isinstance(data, Mapping):
        raise ConfigError(f"{name} holds no document (a mapping) at its top level")
    return data


def current(root: Path, path: str) -> Mapping[str, Any]:
    """The document at ``path`` in the working tree."""
    file = root / path
    if not file.is_file():
        raise ConfigError(
            f"{path} does not exist in {root}",
            hint="write the document there, or fix its path in envs/",
        )
    return parse(file.read_text(encoding="utf-8"), path)


def at_release(root: Path, release: Release, path: str) -> Mapping[str, Any] | None:
    """The document at ``path`` as ``release`` carried it, or None if it did not carry one."""
    shown = _git(root, "show", f"{release.commit}:./{path}")
    return parse(shown.stdout, f"{path}@{release.tag}") if shown.returncode == 0 else None


def carried(root: Path, pattern: str, path: str) -> list[tuple[str, Mapping[str, Any]]]:
    """Every distinct version of ``path`` the promoted releases carried, oldest first, by tag."""
    versions: list[tuple[str, Mapping[str, Any]]] = []
    for release in releases(root, pattern):
        document = at_release(root, release, path)
        if document is not None and all(document != seen for _, seen in versions):
            versions.append((release.tag, document))
    return versions


def files_at(root: Path, release: Release, folder: str) -> set[str]:
    """Paths of the files under ``folder`` at ``release`` (relative to the project root)."""
    listed = _git(root, "ls-tree", "-r", "--name-only", release.commit, "--", folder)
    return set(listed.stdout.split()) if listed.returncode == 0 else set()
