"""`inv promote` and `inv rollback`: gates first, then ship, register, deploy, record.

Every change to the target is recorded in the history before it is made, so a promotion stopped
at any point (Ctrl-C, kill -9, an AWS error) is returned to what ran before by the next promote or
rollback, under the environment's lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from greenroom.model import load_environment
from greenroom.model.environment import Environment
from greenroom.progress import console
from greenroom.release import canary
from greenroom.release.canary import Bake
from greenroom.release.clients import Clients
from greenroom.release.deploy import ecs
from greenroom.release.errors import Refused, ReleaseError
from greenroom.release.gates import enforce
from greenroom.release.git import tag_object
from greenroom.release.history import History, Release, Step, current, who
from greenroom.release.judge import CloudWatchSource, SliSource
from greenroom.release.ledger import entries
from greenroom.release.lock import locked
from greenroom.release.plan import Plan, load, make_plan, show
from greenroom.release.target import AwsTarget, aws_target
from greenroom.release.transport import Origin, registry, ship


def _say(text: str) -> None:
    console.print(text, markup=False)


def _sleep_bake(seconds: int) -> Bake:
    import time

    return lambda number, weight: time.sleep(seconds)


def restore(
    target: AwsTarget, clients: Clients, env: Environment, task_defs: Mapping[str, str]
) -> None:
    """Every service back on ``task_defs``: canaries emptied, traffic on the main services."""
    for service, task_def in sorted(task_defs.items()):
        if service not in ecs.deployed_services(env):
            continue
        if canary.covers(env.services[service].port, env.rollout):
            canary.retreat(target, clients, service)
        ecs.update(clients.ecs, target, target.family(service), task_def)


def converge(target: AwsTarget, clients: Clients, env: Environment, history: History) -> None:
    """A release left ``started`` by a run that died goes back to what ran before it."""
    releases = history.read()
    if not releases or releases[-1].state != "started":
        return
    stuck = releases[-1]
    _say(f"release {stuck.number} ({stuck.action}) was interrupted: restoring what ran before it")
    restore(target, clients, env, stuck.previous)
    history.update(stuck, state="interrupted", note="interrupted; restored what ran before it")


def origin(env: Environment, root: Path, images: Mapping[str, str]) -> Origin | None:
    """The environment the candidate comes from, when it is itself promoted to (not a local
    replica) and runs exactly these images."""
    if env.promotion.from_env is None:
        return None
    model = load_environment(env.promotion.from_env, root=root)
    if model.promotion.from_env is None:
        return None
    source = aws_target(model)
    try:
        now = current(History(source).read())
        if now is None or any(
            now.images.get(s) != i or s not in now.refs for s, i in images.items()
        ):
            return None
        return Origin(source.env, registry(source, source.client("ecr")), now.refs)
    except ReleaseError as exc:
        _say(f"not copying from {source.env} ({exc.message}): shipping this machine's images")
        return None


def running(target: AwsTarget, clients: Clients, env: Environment) -> dict[str, str]:
    """Service -> the task definition its main ECS service runs; the canaries must exist too."""
    services = ecs.deployed_services(env)
    names = [target.family(s) for s in services] + [
        target.canary(s) for s in services if canary.covers(env.services[s].port, env.rollout)
    ]
    found = ecs.describe(clients.ecs, target, names)
    return {s: str(found[target.family(s)]["taskDefinition"]) for s in services}


def _runs(release: Release, task_defs: Mapping[str, str]) -> bool:
    """Does every running service run ``release``'s task definition?"""
    return all(release.task_definitions.get(s) == t for s, t in task_defs.items())


def _evidence(plan: Plan) -> list[str]:
    cand = plan.candidate
    wanted = set(plan.env.promotion.requires)
    return [
        f"{e.suite} {e.result} on {e.env} at {e.time} (junit {e.junit_sha256[:12]})"
        for e in entries(cand.digest)
        if e.env == cand.source_env and e.suite in wanted
    ]


def promote(
    env_name: str,
    *,
    plan_only: bool = False,
    approve: bool = False,
    overrides: Sequence[str] = (),
    root: Path | None = None,
    clients: Clients | None = None,
    source: SliSource | None = None,
    bake: Bake | None = None,
) -> Release | None:
    """Promote the candidate to ``env_name``; with ``plan_only``, print the plan and stop."""
    env, root = load(env_name, root, overrides)
    target = aws_target(env)
    clients = clients or Clients(target)
    plan = make_plan(
        env_name,
        root=root,
        overrides=overrides,
        approve=approve,
        history=History(target, clients),
    )
    show(plan)
    enforce(plan.verdicts)
    if plan_only:
        return None
    cand = plan.candidate
    with locked(target, f"promote {cand.short}", who(), s3=clients.s3):
        history = History(target, clients)
        converge(target, clients, env, history)
        previous = running(target, clients, env)
        now = current(history.read())
        if now is not None and now.digest == cand.digest and _runs(now, previous):
            _say(f"{env.name} already runs release {now.number} ({cand.short}): nothing to do")
            return now
        arns = ecs.secret_arns(env, target, clients.ssm, clients.secretsmanager)
        came_from = origin(env, root, cand.images)
        _say(
            f"shipping {len(cand.images)} image(s) to {target.repository_prefix}/* by digest"
            + (f", copied from {came_from.env}'s registry" if came_from else "")
        )
        refs = ship(target, cand.images, clients.ecr, came_from)
        task_defs = {
            s: ecs.register(
                clients.ecs, ecs.task_definition(target, s, env.services[s], refs[s], arns)
            )
            for s in sorted(cand.images)
        }
        record = history.append(
            action="promote",
            state="started",
            commit=cand.checkout.commit,
            tag=cand.tag,
            tag_object=tag_object(root, cand.tag)[1] if cand.tag else None,
            digest=cand.digest,
            images=dict(cand.images),
            refs=refs,
            task_definitions=task_defs,
            previous=previous,
            evidence=_evidence(plan),
            approved_by=plan.approved_by,
        )
        steps: list[Step] = []

        def on_step(step: Step) -> None:
            steps.append(step)
            history.update(record, steps=list(steps))
            _say(f"  step {len(steps)}: {step.weight:g}% {step.verdict}: {step.says}")

        baking = bake or _sleep_bake(_seconds(env.rollout.bake_time))
        try:
            for service in ecs.deployed_services(env):
                if canary.covers(env.services[service].port, env.rollout):
                    _say(
                        f"{service}: canary over {', '.join(f'{w:g}%' for w in env.rollout.steps)}"
                    )
                    sli = source or _cloudwatch(clients, target, service)
                    canary.run(
                        target,
                        clients,
                        service,
                        task_defs[service],
                        env.rollout,
                        env.slo,
                        sli,
                        baking,
                        on_step,
                    )
                else:
                    _say(f"{service}: rolling update to {task_defs[service].rsplit('/', 1)[-1]}")
                    ecs.update(
                        clients.ecs,
                        target,
                        target.family(service),
                        task_defs[service],
                        alarms=env.rollout.alarms,
                    )
        except (Exception, KeyboardInterrupt) as exc:
            breach = isinstance(exc, Refused) and exc.gate == "canary"
            stopped = not isinstance(exc, Exception)
            if isinstance(exc, Refused) and breach and not env.rollout.auto_rollback:
                history.update(record, state="halted", steps=steps, note=exc.message)
                raise
            _say(f"stopped ({type(exc).__name__}): restoring what ran before")
            restore(target, clients, env, previous)
            history.update(
                record,
                state="rolled-back" if breach else "interrupted" if stopped else "failed",
                steps=steps,
                note=str(getattr(exc, "message", exc) or type(exc).__name__),
            )
            if breach or stopped:
                raise
            raise ReleaseError(
                f"the deploy to {env.name} stopped ({getattr(exc, 'message', exc)}); every "
                "service is back on what ran before",
                details=getattr(exc, "details", None),
                hint=f"fix the cause, then run `inv promote {env.name}` again",
            ) from exc
        done = history.update(record, state="done", steps=steps)
    _say(
        f"{env.name} runs release {done.number}: {cand.short} "
        f"({cand.tag or cand.checkout.commit[:12]})"
    )
    return done


def _cloudwatch(clients: Clients, target: AwsTarget, service: str) -> SliSource:
    return CloudWatchSource(
        clients.cloudwatch, canary.route(target, clients.elbv2, service).load_balancer
    )


def _seconds(duration: str) -> int:
    from greenroom.model.types import parse_duration

    return parse_duration(duration)
