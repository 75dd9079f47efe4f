"""What git says about the checkout being promoted: commit, branch, tag, and the tag's signature."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from greenroom.release.errors import ReleaseError


@dataclass(frozen=True)
class Checkout:
    """The commit under promotion and the refs that name it."""

    commit: str
    branch: str | None
    """The branch checked out, or None on a detached HEAD."""
    tags: tuple[str, ...]
    """Tags pointing at the commit, lightweight and annotated alike."""


@dataclass(frozen=True)
class TagSignature:
    """What `git verify-tag` said of one tag."""

    good: bool
    principal: str | None
    """The allowed signer the signature matched (SSH), or the GPG signer's user id."""
    output: str


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git in ``root``; a failure is a ReleaseError when ``check``."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=60
        )
    except FileNotFoundError as exc:
        raise ReleaseError("git is not installed", hint="install git and retry") from exc
    if check and done.returncode != 0:
        raise ReleaseError(
            f"git {' '.join(args[:3])} failed in {root}",
            details=(done.stderr or done.stdout).strip(),
            hint="promote from a git checkout of the project",
        )
    return done


def checkout(root: Path) -> Checkout:
    commit = git(root, "rev-parse", "HEAD").stdout.strip()
    branch = git(root, "symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip()
    tags = git(root, "tag", "--points-at", "HEAD").stdout.split()
    return Checkout(commit=commit, branch=branch or None, tags=tuple(sorted(tags)))


def tag_object(root: Path, tag: str) -> tuple[str, str]:
    """(object type, SHA) of ``refs/tags/<tag>``: ``tag`` when annotated, ``commit`` when not."""
    sha = git(root, "rev-parse", f"refs/tags/{tag}").stdout.strip()
    kind = git(root, "cat-file", "-t", sha).stdout.strip()
    return kind, sha


def on_branch(root: Path, commit: str, branch: str) -> bool:
    """Whether ``commit`` is reachable from the local or remote-tracking ``branch``."""
    for ref in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"):
        if git(root, "rev-parse", "--verify", "--quiet", ref, check=False).returncode != 0:
            continue
        if git(root, "merge-base", "--is-ancestor", commit, ref, check=False).returncode == 0:
            return True
    return False


def verify_tag(
    root: Path, tag: str, allowed_signers: Path | None, min_trust: str | None
) -> TagSignature:
    """`git verify-tag` with the release signers (SSH) or a minimum GPG trust level."""
    config: list[str] = []
    if allowed_signers is not None:
        config += ["-c", f"gpg.ssh.allowedSignersFile={allowed_signers}"]
    if min_trust is not None:
        config += ["-c", f"gpg.minTrustLevel={min_trust}"]
    done = git(root, *config, "verify-tag", "--raw", tag, check=False)
    output = (done.stderr + done.stdout).strip()
    return TagSignature(good=done.returncode == 0, principal=_principal(output), output=output)


def _principal(output: str) -> str | None:
    """`Good "git" signature for alice@example.com with ...` (SSH) or GPG's GOODSIG user id."""
    for line in output.splitlines():
        if line.startswith('Good "git" signature for '):
            return line.removeprefix('Good "git" signature for ').split(" with ")[0]
        if "GOODSIG" in line:
            return line.split("GOODSIG", 1)[1].split(maxsplit=1)[-1]
    return None
