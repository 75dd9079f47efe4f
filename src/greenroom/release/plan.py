"""What a promotion would do: the candidate, every gate's verdict and the changes, before any."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path

from greenroom.model import load_environment
from greenroom.model.environment import Environment
from greenroom.paths import project_root
from greenroom.progress import console, output
from greenroom.release.candidate import Candidate, latest_run
from greenroom.release.errors import ReleaseError
from greenroom.release.gates import Context, Verdict, evaluate
from greenroom.release.git import checkout
from greenroom.release.history import History, Release, cached, current, released_tags, who
from greenroom.release.ledger import entries
from greenroom.release.target import AwsTarget, aws_target


@dataclass(frozen=True)
class Plan:
    env: Environment
    target: AwsTarget
    candidate: Candidate
    verdicts: list[Verdict]
    past: list[Release]
    root: Path
    approved_by: str | None = None
    history_note: str = ""
    """Why the history shown is the local cache rather than the target's (no credentials...)."""

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)


def load(env_name: str, root: Path | None, overrides: Sequence[str]) -> tuple[Environment, Path]:
    root = root if root is not None else project_root()
    return load_environment(env_name, root=root, overrides=overrides), root


def read_history(target: AwsTarget, history: History | None) -> tuple[list[Release], str]:
    """The target's history, or the local cache with the reason the target was not read."""
    try:
        return (history or History(target)).read(), ""
    except ReleaseError as exc:
        return cached(target.env), f"history from the local cache ({exc.message})"


def make_plan(
    env_name: str,
    *,
    root: Path | None = None,
    overrides: Sequence[str] = (),
    approve: bool = False,
    history: History | None = None,
    now: datetime | None = None,
) -> Plan:
    """Candidate and verdicts for promoting to ``env_name``; reads git, the ledger and history."""
    env, root = load(env_name, root, overrides)
    target = aws_target(env)
    here = checkout(root)
    source = env.promotion.from_env or env.name
    run = latest_run(source)
    pattern = env.promotion.tags
    tag = next((t for t in here.tags if pattern and fnmatchcase(t, pattern)), None)
    candidate = Candidate(
        env=env.name,
        source_env=source,
        digest=run.digest if run else "",
        images={s: i for s, i in (run.images if run else {}).items() if s in env.services},
        checkout=here,
        tag=tag,
    )
    past, note = read_history(target, history)
    approved_by = who() if approve else None
    ctx = Context(env, candidate, root, entries(), released_tags(past), approved_by)
    if now is not None:
        ctx = replace(ctx, now=now)
    return Plan(env, target, candidate, evaluate(ctx), past, root, approved_by, note)


def changes(plan: Plan) -> list[str]:
    """One line per service: what runs now (by the history) and what would run."""
    now = current(plan.past)
    lines = []
    for service, image in sorted(plan.candidate.images.items()):
        before = now.images.get(service) if now else None
        if before == image:
            lines.append(f"{service}: unchanged ({_short(image)})")
        else:
            lines.append(
                f"{service}: {_short(before) if before else 'nothing released'} -> {_short(image)}"
            )
    return lines


def _short(image: str) -> str:
    return image.removeprefix("sha256:")[:12]


def show(plan: Plan) -> None:
    """The plan on stdout: candidate, gates (with fixes), changes."""
    cand, here = plan.candidate, plan.candidate.checkout
    where = f"branch {here.branch}" if here.branch else "detached HEAD"
    output.print(
        f"promote {plan.env.name}: candidate {cand.short or '(none)'} from {cand.source_env}, "
        f"commit {here.commit[:12]} on {where}, tag {cand.tag or '-'}",
        markup=False,
    )
    for service, image in sorted(cand.images.items()):
        output.print(f"  {service:<12} {image}", markup=False)
    output.print("gates:", markup=False)
    for v in plan.verdicts:
        output.print(f"  {'ok  ' if v.passed else 'FAIL'} {v.gate:<10} {v.says}", markup=False)
        if v.fix and not v.passed:
            output.print(f"       fix: {v.fix}", markup=False)
    output.print(f"changes ({plan.target.cluster}, {plan.target.region}):", markup=False)
    for line in changes(plan) or ["nothing to ship"]:
        output.print(f"  {line}", markup=False)
    if plan.history_note:
        console.print(f"note: {plan.history_note}", markup=False)
