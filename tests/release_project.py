"""A project under release for the release tests: envs, a git repository, SSH keys, a ledger.

Imported by the release tests' conftest files (``tests/`` is on the path beside the root conftest).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from greenroom.release.ledger import Entry, now, record
from greenroom.suites.target import combined_digest

BASE = """\
project: demo
zones: {app: {}}
services:
  web:
    image: "demo/web:1"
    port: 8000
    env: {GREETING: hello}
    secrets: {DB_PASSWORD: db-password, API_KEY: api-key}
  jobs:
    image: "demo/jobs:1"
    command: [work]
secrets:
  db-password: {aws: /demo/db-password}
  api-key: {aws: demo/api-key}
slo: {error_rate_percent: 5, window: 5m}
"""
ENVS = {
    "dev": "name: dev\npromotion: {branches: [develop]}\n",
    "stage": (
        "name: stage\n"
        'promotion: {branches: ["release/*"], from: dev, requires: [smoke]}\n'
        "rollout: {bake_time: 0s}\n"
    ),
    "prod": (
        "name: prod\n"
        "promotion:\n"
        "  branches: [main]\n"
        '  tags: "v*.*.*"\n'
        "  signed_tags: true\n"
        "  allowed_signers: release/allowed_signers\n"
        "  from: stage\n"
        "  requires: [smoke, contract]\n"
        "rollout: {strategy: canary, steps: [10, 50, 100], bake_time: 0s}\n"
    ),
}


@dataclass
class Project:
    root: Path
    keys: Path

    def git(self, *args: str, key: str = "release") -> str:
        signing = ["-c", f"user.signingkey={self.keys / key}.pub"]
        done = subprocess.run(
            ["git", *signing, *args], cwd=self.root, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def commit(self, message: str = "change") -> str:
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str) -> None:
        self.git("checkout", "-q", "-B", name)

    def signed_tag(self, name: str, key: str = "release") -> None:
        self.git("tag", "-s", name, "-m", f"release {name}", key=key)

    def record(self, suite: str, env: str, images: dict[str, str], result: str = "pass") -> Entry:
        return record(
            Entry(
                suite=suite,
                env=env,
                result=result,  # type: ignore[arg-type]
                digest=combined_digest(images),
                commit=self.git("rev-parse", "HEAD"),
                junit_sha256="0" * 64,
                time=now(),
                images=images,
            )
        )


def keygen(path: Path, comment: str) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True
    )
    return path.with_suffix(".pub").read_text().strip()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    """A git project on main with release signer ``release`` (alice) and an outsider ``other``."""
    root, keys = tmp_path / "project", tmp_path / "keys"
    (root / "envs").mkdir(parents=True)
    (root / "release").mkdir()
    keys.mkdir()
    (root / "envs" / "base.yaml").write_text(BASE)
    for name, text in ENVS.items():
        (root / "envs" / f"{name}.yaml").write_text(text)
    alice = keygen(keys / "release", "alice")
    keygen(keys / "other", "mallory")
    (root / "release" / "allowed_signers").write_text(f"alice@example.com {alice}\n")
    (root / ".gitignore").write_text(".greenroom/\n")
    for args in (
        ["init", "-q", "-b", "main"],
        ["config", "user.email", "alice@example.com"],
        ["config", "user.name", "Alice"],
        ["config", "gpg.format", "ssh"],
        ["config", "tag.gpgSign", "false"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "project"], cwd=root, check=True)
    monkeypatch.setenv("GREENROOM_ROOT", str(root))
    monkeypatch.delenv("GREENROOM_WORKDIR", raising=False)
    monkeypatch.delenv("GREENROOM_LEDGER", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.chdir(root)
    yield Project(root=root, keys=keys)


IMAGES = {"web": "sha256:" + "a" * 64, "jobs": "sha256:" + "b" * 64}
