"""What the drills share: a timeline, a writer of acknowledged rows, throwaway containers, psql
inside a container, waiting, and the report files."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from greenroom.drills.sql import TABLE
from greenroom.errors import ReplicaError
from greenroom.suites.target import Target

HINT = "the drill removes what it made; run it again, or see the replica's `inv logs ENV`"


@dataclass
class Timeline:
    """Events of the drill, seconds from its start."""

    start: float = field(default_factory=time.monotonic)
    events: list[tuple[float, str]] = field(default_factory=list)

    def mark(self, what: str) -> float:
        now = time.monotonic() - self.start
        self.events.append((round(now, 3), what))
        return now


def table(
    title: str, rows: Sequence[tuple[str, str]], timeline: Sequence[tuple[float, str]]
) -> str:
    """A drill's report as text: its figures, then its timeline."""
    width = max((len(label) for label, _ in rows), default=0)
    lines = [title, *(f"  {label:<{width}}  {value}" for label, value in rows), "timeline (s)"]
    lines += [f"  {at:8.3f}  {what}" for at, what in timeline]
    return "\n".join(lines) + "\n"


class Writer(threading.Thread):
    """Acknowledged writes, one numbered row at a time.

    With one endpoint it stops at the first error (the fault ends it). With several it keeps
    trying each in turn for ``patience`` seconds, as a client does through a failover; a write
    that failed is never retried under its number, so every acknowledged number is a promise.
    """

    def __init__(self, endpoints: Sequence[Callable[..., Any]], patience: float = 0.0) -> None:
        super().__init__(daemon=True, name="drill-writer")
        self.endpoints = list(endpoints)
        self.patience = patience
        self.acked: list[tuple[int, float]] = []
        self.failed_at: float | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        n, turn = 0, 0
        while not self.stop.is_set():
            try:
                with self.endpoints[turn % len(self.endpoints)](timeout=2) as conn:
                    conn.autocommit = True
                    while not self.stop.is_set():
                        n += 1
                        conn.execute(f"INSERT INTO {TABLE} (n) VALUES (%s)", (n,))
                        self.acked.append((n, time.monotonic()))
                        time.sleep(0.02)
            except Exception:  # the fault: what was acknowledged stays recorded
                self.failed_at = self.failed_at or time.monotonic()
                if time.monotonic() - self.failed_at > self.patience:
                    return
                turn += 1
                time.sleep(0.1)

    def acked_after(self, moment: float) -> list[tuple[int, float]]:
        return [(n, t) for n, t in self.acked if t > moment]


def api() -> Any:
    from greenroom.images.engine import api as engine

    return engine()


def postgres_of(target: Target) -> tuple[str, Any]:
    """The first Postgres component of the target and its connection."""
    for name in sorted(target.connections):
        if target.parts[name].kind == "postgres":
            return name, target.connections[name]
    raise ReplicaError(f"{target.env} declares no Postgres to drill", hint="see envs/")


@contextmanager
def container(**kwargs: Any) -> Iterator[str]:
    """A container of the drill's own, removed on the way out."""
    engine = api()
    created = engine.create_container(**kwargs)
    try:
        engine.start(created["Id"])
        yield str(created["Id"])
    finally:
        engine.remove_container(created["Id"], force=True)


def wait_for(what: str, check: Callable[[], bool], timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.2)
    raise ReplicaError(f"the drill timed out waiting for {what}", hint=HINT)


def psql(box: str, sql: str, user: str, database: str) -> str:
    """One statement through psql inside container ``box``, over its local socket."""
    engine = api()
    argv = ["psql", "-X", "-At", "-U", user, "-d", database, "-c", sql]
    run = engine.exec_create(box, argv, user="postgres")
    out: bytes = engine.exec_start(run["Id"])
    return out.decode("utf-8", "replace").strip()


def timeline_svg(title: str, events: Sequence[tuple[float, str]]) -> str:
    """The timeline as a picture: one axis in seconds, each event a mark and a line of text."""
    from html import escape

    end = max((at for at, _ in events), default=1.0) or 1.0
    width, left, top, step = 900, 40, 50, 22
    height = top + step * len(events) + 50
    axis = height - 30
    scale = (width - 2 * left) / end
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="{left}" y="24" font-size="15">{escape(title)}</text>',
        f'<line x1="{left}" y1="{axis}" x2="{width - left}" y2="{axis}" stroke="#333"/>',
        f'<text x="{left}" y="{axis + 18}">0 s</text>',
        f'<text x="{width - left}" y="{axis + 18}" text-anchor="end">{end:.1f} s</text>',
    ]
    for row, (at, what) in enumerate(events):
        x, y = left + at * scale, top + row * step
        colour = "#c0392b" if what.startswith("fault") else "#2471a3"
        anchor = "end" if x > width / 2 else "start"
        dx = -6 if anchor == "end" else 6
        parts += [
            f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{axis}" stroke="{colour}" '
            'stroke-dasharray="3,3"/>',
            f'<circle cx="{x:.1f}" cy="{y}" r="4" fill="{colour}"/>',
            f'<text x="{x + dx:.1f}" y="{y + 4}" text-anchor="{anchor}">'
            f"{at:.2f} s  {escape(what)}</text>",
        ]
    return "\n".join([*parts, "</svg>"]) + "\n"


def write_report(kind: str, drill: Any, folder: Path) -> Path:
    """The drill's JSON document, its table and its timeline picture; returns the JSON's path."""
    from datetime import UTC, datetime

    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    stem = folder / f"drill-{kind}-{drill.env}-{stamp}"
    stem.with_suffix(".txt").write_text(drill.table(), encoding="utf-8")
    title = drill.table().splitlines()[0]
    stem.with_suffix(".svg").write_text(timeline_svg(title, drill.timeline), encoding="utf-8")
    path = stem.with_suffix(".json")
    path.write_text(json.dumps(asdict(drill), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def replica_target(env_name: str, overrides: Sequence[str]) -> tuple[Target, str]:
    """The running replica's target and its Compose project."""
    from greenroom.paths import compose_project, project_root
    from greenroom.suites.target import resolve_target

    target = resolve_target(env_name, "replica", overrides=overrides)
    assert target.model is not None
    return target, compose_project(target.model.project, target.model.name, project_root())


class Drill(Protocol):
    """What every drill's result offers its report and the ledger."""

    @property
    def env(self) -> str: ...

    def table(self) -> str: ...

    def measures(self) -> dict[str, str]: ...

    def failure(self) -> str | None: ...


D = TypeVar("D", bound=Drill)


def perform(
    kind: str, env_name: str, overrides: Sequence[str], run: Callable[[Target, str], D]
) -> D:
    """Run a drill on ``env_name``'s running replica, put the reach rules back on what its faults
    restarted, then report and record it (`drill-<kind>`)."""
    target, project = replica_target(env_name, overrides)
    try:
        drill = run(target, project)
    finally:
        _reguard(env_name, overrides)
    conclude(kind, drill, target)
    return drill


def _reguard(env_name: str, overrides: Sequence[str]) -> None:
    """The containers a fault restarted lost their reach rules: apply them again; a failure to is
    a note, never what the drill reports."""
    from docker.errors import DockerException

    from greenroom.errors import GreenroomError
    from greenroom.progress import console
    from greenroom.runtime.lifecycle import reguard

    try:
        reguard(env_name, overrides)
    except (GreenroomError, DockerException) as exc:
        console.print(
            f"note: the reach rules could not be applied again after the drill ({exc}); "
            f"`inv up {env_name}` applies them"
        )


def conclude(kind: str, drill: Drill, target: Target) -> Path:
    """Write the drill's report, record it in the ledger, print its table; raise on a failure."""
    from greenroom.errors import SuiteError
    from greenroom.paths import project_root, workdir
    from greenroom.progress import output
    from greenroom.suites.run import evidence

    failure = drill.failure()
    path = write_report(kind, drill, workdir() / "reports")
    evidence(f"drill-{kind}", target, path, failure is None, drill.measures(), project_root())
    output.print(drill.table(), markup=False)
    if failure is not None:
        raise SuiteError(failure, hint=f"read the report: {path}")
    return path
