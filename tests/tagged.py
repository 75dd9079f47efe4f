"""Throwaway git repositories with release tags, for the suites that read a project's history."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` as a throwaway identity; its stdout."""
    done = subprocess.run(
        ["git", "-c", "user.name=greenroom", "-c", "user.email=greenroom@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def release(root: Path, tag: str) -> None:
    """Commit everything in ``root`` (initialising the repository if need be) and tag it."""
    if not (root / ".git").exists():
        git(root, "init", "-q")
    git(root, "add", "-A", ".")
    git(root, "commit", "-q", "--allow-empty", "-m", tag)
    git(root, "tag", tag)
