"""The gates of `promotion:`: each a verdict with its fix, all evaluated before anything changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path

from greenroom.model.environment import Environment
from greenroom.release.candidate import Candidate
from greenroom.release.errors import Refused
from greenroom.release.git import on_branch, tag_object, verify_tag
from greenroom.release.ledger import Entry


@dataclass(frozen=True)
class Verdict:
    gate: str
    passed: bool
    says: str
    fix: str = ""


@dataclass(frozen=True)
class Context:
    """What the gates read: the model, the candidate, the recorded evidence and past releases."""

    env: Environment
    candidate: Candidate
    root: Path
    runs: Sequence[Entry]
    released_tags: dict[str, str]
    """Tag name -> the tag object SHA an earlier promotion of this environment recorded."""
    approved_by: str | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


Gate = Callable[[Context], Verdict | None]


def _ok(gate: str, says: str) -> Verdict:
    return Verdict(gate, True, says)


def _no(gate: str, says: str, fix: str) -> Verdict:
    return Verdict(gate, False, says, fix)


def branch(ctx: Context) -> Verdict | None:
    patterns = ctx.env.promotion.branches
    if not patterns:
        return None
    here = ctx.candidate.checkout
    if here.branch and any(fnmatchcase(here.branch, p) for p in patterns):
        return _ok("branch", f"{here.branch} matches {', '.join(patterns)}")
    literal = [p for p in patterns if not any(ch in p for ch in "*?[")]
    if any(on_branch(ctx.root, here.commit, name) for name in literal):
        return _ok("branch", f"{here.commit[:12]} is on {', '.join(literal)}")
    where = f"branch {here.branch}" if here.branch else f"a detached HEAD ({here.commit[:12]})"
    return _no(
        "branch",
        f"{ctx.env.name} promotes from {', '.join(patterns)}, and this is {where}",
        f"check out a commit of {', '.join(patterns)} whose images passed the suites",
    )


def tag(ctx: Context) -> Verdict | None:
    pattern = ctx.env.promotion.tags
    if not pattern:
        return None
    name = ctx.candidate.tag
    if name is None:
        return _no(
            "tag",
            f"no tag matching {pattern} points at HEAD ({ctx.candidate.checkout.commit[:12]})",
            f"tag the release: git tag -s {pattern.replace('*', '1')} -m 'release'",
        )
    kind, sha = tag_object(ctx.root, name)
    if kind != "tag":
        return _no(
            "tag",
            f"{name} is a lightweight tag: it carries no tagger and no signature",
            f"replace it with an annotated, signed tag: git tag -d {name} && git tag -s {name} "
            "-m 'release'",
        )
    earlier = ctx.released_tags.get(name)
    if earlier is not None and earlier != sha:
        return _no(
            "tag",
            f"{name} was moved since it was promoted to {ctx.env.name} (tag object was "
            f"{earlier[:12]}, now {sha[:12]})",
            "a released tag never moves: tag the commit with a new version",
        )
    return _ok("tag", f"{name} is annotated (tag object {sha[:12]})")


def signature(ctx: Context) -> Verdict | None:
    promotion = ctx.env.promotion
    name = ctx.candidate.tag
    if not promotion.signed_tags or name is None or tag_object(ctx.root, name)[0] != "tag":
        return None
    signers = ctx.root / promotion.allowed_signers if promotion.allowed_signers else None
    if signers is not None and not signers.is_file():
        return _no(
            "signature",
            f"the release signers file {promotion.allowed_signers} does not exist",
            "list each release signer's principal and SSH public key in it (ssh-keygen's "
            "ALLOWED SIGNERS format), or fix promotion.allowed_signers",
        )
    checked = verify_tag(ctx.root, name, signers, promotion.gpg_min_trust)
    if "no signature found" in checked.output:
        return _no(
            "signature",
            f"{name} is not signed",
            f"sign it: git tag -d {name} && git tag -s {name} -m 'release' (git config "
            "gpg.format ssh, user.signingkey ~/.ssh/id_ed25519.pub)",
        )
    if not checked.good and checked.principal and promotion.gpg_min_trust:
        return _no(
            "signature",
            f"{name} is signed by {checked.principal}, whose key is trusted less than "
            f"{promotion.gpg_min_trust} (gpg_min_trust)",
            "a release signer whose key you trust signs the tag again, or certify their key "
            "after checking its fingerprint: gpg --lsign-key KEYID",
        )
    if not checked.good or checked.principal is None:
        return _no(
            "signature",
            f"{name} is not signed by a release signer: {_last(checked.output)}",
            f"a release signer listed in {promotion.allowed_signers or 'the GPG trust db'} "
            "signs the tag again, or add the key there after review",
        )
    if promotion.signers and checked.principal not in promotion.signers:
        return _no(
            "signature",
            f"{name} is signed by {checked.principal}, who is not among promotion.signers",
            f"a release signer ({', '.join(promotion.signers)}) signs the tag again",
        )
    return _ok("signature", f"{name} signed by {checked.principal}")


def _last(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "git verify-tag failed"


def evidence(ctx: Context) -> Verdict | None:
    cand, source = ctx.candidate, ctx.candidate.source_env
    if not cand.digest:
        return _no(
            "evidence",
            f"no suite run on {source} recorded its images",
            f"bring up {source} and run its suites: `inv up {source}` then `inv test smoke "
            f"--env {source}`",
        )
    missing = [
        f"the run recorded no image for {name}"
        for name in sorted(set(ctx.env.services) - set(cand.images))
    ]
    for suite in ctx.env.promotion.requires:
        runs = [e for e in ctx.runs if e.suite == suite and e.env == source]
        mine = [e for e in runs if e.digest == cand.digest]
        if mine and mine[-1].passed:
            continue
        if mine:
            missing.append(f"{suite} failed on {source} for {cand.short} ({mine[-1].time})")
        elif any(e.passed for e in runs):
            missing.append(
                f"{suite} passed on {source} only for another image set, not {cand.short}"
            )
        else:
            missing.append(f"{suite} never ran on {source}")
    if missing:
        suites = " and ".join(f"`inv test {s} --env {source}`" for s in ctx.env.promotion.requires)
        return _no(
            "evidence",
            "; ".join(missing),
            f"run {suites} on exactly these images until they pass (with `--target environ` "
            f"when {source} is deployed rather than a replica)",
        )
    wanted = ", ".join(ctx.env.promotion.requires) or "no suite required"
    return _ok("evidence", f"{wanted}: passed on {source} for {cand.short}")


def secrets(ctx: Context) -> Verdict | None:
    used = sorted({s for svc in ctx.env.services.values() for s in svc.secrets.values()})
    local = [s for s in used if s in ctx.env.secrets and not ctx.env.secrets[s].aws]
    if not local:
        return _ok("secrets", f"{len(used)} secret(s) from SSM / Secrets Manager") if used else None
    return _no(
        "secrets",
        f"{', '.join(local)} {'has' if len(local) == 1 else 'have'} no aws: source, and a task "
        "definition only references SSM parameters or Secrets Manager secrets",
        f"in envs/{ctx.env.name}.yaml set secrets.{local[0]}: {{aws: <parameter name or secret "
        "ARN>}",
    )


def approval(ctx: Context) -> Verdict | None:
    if not ctx.env.promotion.approval:
        return None
    if ctx.approved_by:
        return _ok("approval", f"approved by {ctx.approved_by}")
    return _no(
        "approval",
        f"{ctx.env.name} needs an approval",
        f"a release engineer reruns with --approve: `inv promote {ctx.env.name} --approve`",
    )


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _open(spec: str, now: datetime) -> bool:
    """Is ``now`` (UTC) inside a window like `Mon-Fri 09:00-17:00`?"""
    days, hours = spec.split(" ")
    first, _, last = days.partition("-")
    start, end = DAYS.index(first), DAYS.index(last or first)
    span = range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
    opens, closes = hours.split("-")
    return now.weekday() in span and opens <= now.strftime("%H:%M") < closes


def window(ctx: Context) -> Verdict | None:
    windows = ctx.env.promotion.windows
    if not windows:
        return None
    stamp = ctx.now.astimezone(UTC).strftime("%a %H:%M UTC")
    if any(_open(w, ctx.now.astimezone(UTC)) for w in windows):
        return _ok("window", f"{stamp} is inside {', '.join(windows)}")
    return _no(
        "window",
        f"{ctx.env.name} changes only in {', '.join(windows)} (UTC); it is {stamp}",
        "promote again inside a change window",
    )


GATES: tuple[Gate, ...] = (branch, tag, signature, evidence, secrets, window, approval)


def evaluate(ctx: Context, gates: Iterable[Gate] = GATES) -> list[Verdict]:
    """Every applicable gate's verdict, in order."""
    return [v for v in (g(ctx) for g in gates) if v is not None]


def enforce(verdicts: Sequence[Verdict]) -> None:
    """Refused, naming the first gate that said no and its fix."""
    for v in verdicts:
        if not v.passed:
            raise Refused(v.gate, v.says, hint=v.fix)
