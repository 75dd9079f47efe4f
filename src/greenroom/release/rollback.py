"""`inv rollback ENV [--to N]` and `inv releases ENV`: back to a recorded release; the history."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from greenroom.progress import console, output
from greenroom.release.clients import Clients
from greenroom.release.errors import ReleaseError
from greenroom.release.history import History, Release, current, who
from greenroom.release.lock import locked
from greenroom.release.plan import load, read_history
from greenroom.release.promote import converge, restore, running
from greenroom.release.target import aws_target


def _destination(releases: list[Release], to: int | None) -> tuple[Release | None, dict[str, str]]:
    """The release to return to and its task definitions (default: what ran before the current,
    or before a canary halted mid-way)."""
    halted = releases[-1] if releases and releases[-1].state == "halted" else None
    now = halted or current(releases)
    if to is not None:
        found = next((r for r in releases if r.number == to), None)
        if found is None or found.state != "done" or not found.task_definitions:
            done = ", ".join(str(r.number) for r in releases if r.state == "done") or "none"
            raise ReleaseError(
                f"release {to} is not a completed release of this environment",
                hint=f"pick one of the completed releases ({done}): `inv releases ENV`",
            )
        return found, found.task_definitions
    if now is None or not now.previous:
        raise ReleaseError(
            "there is no earlier release to roll back to",
            hint="`inv releases ENV` shows the history; `--to N` picks a release",
        )
    earlier = next(
        (
            r
            for r in reversed(releases)
            if r.state == "done" and r.number < now.number and r.task_definitions == now.previous
        ),
        None,
    )
    return earlier, now.previous


def rollback(
    env_name: str,
    *,
    to: int | None = None,
    overrides: Sequence[str] = (),
    root: Path | None = None,
    clients: Clients | None = None,
) -> Release:
    """Return every service of ``env_name`` to release ``to`` (default: the one before)."""
    env, root = load(env_name, root, overrides)
    target = aws_target(env)
    clients = clients or Clients(target)
    with locked(target, "rollback", who(), s3=clients.s3):
        history = History(target, clients)
        converge(target, clients, env, history)
        dest, task_defs = _destination(history.read(), to)
        record = history.append(
            action="rollback",
            state="started",
            digest=dest.digest if dest else "",
            images=dict(dest.images) if dest else {},
            refs=dict(dest.refs) if dest else {},
            tag=dest.tag if dest else None,
            task_definitions=task_defs,
            previous=running(target, clients, env),
            note=f"to release {dest.number}" if dest else "to what ran before",
        )
        restore(target, clients, env, task_defs)
        done = history.update(record, state="done")
    console.print(f"{env.name} is back on {record.note.removeprefix('to ')}", markup=False)
    return done


def releases(env_name: str, *, as_json: bool = False, overrides: Sequence[str] = ()) -> None:
    """Print the history of ``env_name``: a line per release, or JSON."""
    env, _ = load(env_name, None, overrides)
    past, note = read_history(aws_target(env), None)
    if note:
        console.print(f"note: {note}", markup=False)
    if as_json:
        output.print(json.dumps([asdict(r) for r in past], indent=2), markup=False)
        return
    if not past:
        output.print(f"{env.name}: no release yet", markup=False)
        return
    for r in past:
        steps = " ".join(f"{s.weight:g}%:{s.verdict}" for s in r.steps)
        line = (
            f"{r.number:>3} {r.time} {r.action:<8} {r.state:<11} {r.who} "
            f"{r.tag or '-'} {r.digest.removeprefix('sha256:')[:12] or '-'}"
        )
        output.print(" ".join(x for x in (line, steps, r.note) if x), markup=False)
