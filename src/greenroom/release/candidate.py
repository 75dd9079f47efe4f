"""The release candidate: the service -> digest set a suite run recorded, its commit and tag."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from greenroom.release.git import Checkout
from greenroom.release.ledger import Entry, entries


@dataclass(frozen=True)
class Candidate:
    """What a promotion would ship: exactly the images a recorded suite run exercised."""

    env: str
    """The environment promoted to."""
    source_env: str
    """Where its evidence comes from: ``promotion.from``, else the environment's own replica."""
    digest: str
    """The ledger's key of the image set (``combined_digest``)."""
    images: dict[str, str]
    """Service -> image ID or digest."""
    checkout: Checkout
    tag: str | None = None
    """The release tag at HEAD matching ``promotion.tags``, if any."""

    @property
    def short(self) -> str:
        return self.digest.removeprefix("sha256:")[:12]


def latest_run(source_env: str, ledger: Path | None = None) -> Entry | None:
    """The most recent suite run recorded on ``source_env`` that names its images."""
    runs = [e for e in entries(path=ledger) if e.env == source_env and e.images]
    return runs[-1] if runs else None
