"""An append-only record of suite runs per image digest, so a promotion can show its evidence.

One JSON object per line in ``.greenroom/ledger.jsonl``. Lines are only ever appended (under an
exclusive lock, flushed to disk), never rewritten: a failure stays on record even when a later run
of the same or another digest passes.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from greenroom.errors import GreenroomError
from greenroom.paths import workdir

LEDGER_NAME = "ledger.jsonl"
Result = Literal["pass", "fail"]


class LedgerError(GreenroomError):
    """The ledger cannot be read or written."""


@dataclass(frozen=True)
class Entry:
    """One suite run: what ran, against what, on which build, and how it ended."""

    suite: str
    env: str
    result: Result
    digest: str
    """The key of the images the run exercised: one image's own ID or digest, else a digest over
    the whole set (``greenroom.suites.target.combined_digest``)."""
    commit: str
    """The git commit of the checkout that ran the suite (``unknown`` outside git)."""
    junit_sha256: str
    time: str
    """When the run finished, ISO 8601 in UTC."""
    target: str = "replica"
    """``replica`` (a local replica) or ``environ`` (endpoints given by variables)."""
    junit: str = ""
    images: dict[str, str] = field(default_factory=dict)
    """Service -> the image ID or digest it ran: the set a promotion ships."""
    measures: dict[str, str] = field(default_factory=dict)
    """Figures the run measured (`parity_percent`, a report's path...), from its JUnit file."""

    @property
    def passed(self) -> bool:
        return self.result == "pass"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ledger_path() -> Path:
    """The project's ledger: ``GREENROOM_LEDGER`` if set, else ``ledger.jsonl`` in the work dir."""
    override = os.environ.get("GREENROOM_LEDGER", "").strip()
    return Path(override) if override else workdir() / LEDGER_NAME


def record(entry: Entry, path: Path | None = None) -> Entry:
    """Append ``entry`` to the ledger; returns it."""
    if entry.result not in ("pass", "fail"):
        raise LedgerError(
            f"a ledger entry's result is pass or fail, not {entry.result!r}",
            hint="record a run that did not complete as fail",
        )
    if not entry.digest:
        raise LedgerError(
            f"{entry.suite} on {entry.env}: no image digest to record the run against",
            hint="bring the replica up with `inv up`, or set GREENROOM_IMAGE_DIGEST",
        )
    target = path or ledger_path()
    line = json.dumps(asdict(entry), sort_keys=True) + "\n"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError as exc:
        raise LedgerError(
            f"cannot append to the ledger {target}: {exc.strerror or exc}",
            hint="check the work dir's permissions and free space",
        ) from exc
    return entry


def _read(path: Path) -> Iterator[Entry]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LedgerError(f"cannot read the ledger {path}: {exc.strerror or exc}") from exc
    known = {f.name for f in fields(Entry)}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            yield Entry(**{k: v for k, v in data.items() if k in known})
        except (ValueError, TypeError) as exc:
            raise LedgerError(
                f"the ledger {path} is damaged at line {number}: {exc}",
                hint="the ledger is append-only evidence: restore it from a backup rather than "
                "editing it; move it aside to start a new one",
            ) from None


def entries(digest: str | None = None, path: Path | None = None) -> list[Entry]:
    """Every recorded run, oldest first; only those of ``digest`` when given."""
    return [e for e in _read(path or ledger_path()) if digest is None or e.digest == digest]


def latest(digest: str, suite: str, env: str, path: Path | None = None) -> Entry | None:
    """The most recent run of ``suite`` on ``env`` for ``digest``, or None if it never ran."""
    found = [e for e in entries(digest, path) if e.suite == suite and e.env == env]
    return found[-1] if found else None
