"""A greenroom-driven canary: two ECS services behind one ALB route with weighted target groups.

The candidate starts in the canary service, takes ``rollout.steps`` percent of the traffic in
turn, each step baked and judged against ``slo``; then the main service takes the candidate and
the canary empties. A breach puts every request back on the main service and scales the canary
to zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from greenroom.model.types import Rollout, Slo, parse_duration
from greenroom.release.deploy import ecs
from greenroom.release.errors import Refused
from greenroom.release.history import Step
from greenroom.release.judge import SliSource, judge
from greenroom.release.target import AwsTarget, aws_call, aws_failure

Bake = Callable[[int, float], None]
"""Waits out one step (its number from 1, its weight); time.sleep of the bake time by default."""


@dataclass(frozen=True)
class Route:
    """Where the ALB forwards the service's traffic: a listener's default action or a rule."""

    arn: str
    is_rule: bool
    main: str
    canary: str
    load_balancer: str


def _group(elbv2: Any, name: str) -> str:
    try:
        return str(elbv2.describe_target_groups(Names=[name])["TargetGroups"][0]["TargetGroupArn"])
    except Exception as exc:
        raise Refused(
            "target",
            f"the load balancer has no target group {name}",
            hint="create the service's main and -canary target groups with your infrastructure "
            "code, or use rollout.strategy: rolling",
        ) from exc


def _forwards_to(actions: list[dict[str, Any]], group: str) -> bool:
    for action in actions:
        if action.get("TargetGroupArn") == group:
            return True
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups", [])
        if any(g["TargetGroupArn"] == group for g in groups):
            return True
    return False


def route(target: AwsTarget, elbv2: Any, service: str) -> Route:
    """The listener or rule of ``target``'s ALB that forwards to ``service``'s target group."""
    main, canary = _group(elbv2, target.family(service)), _group(elbv2, target.canary(service))
    try:
        balancer = elbv2.describe_load_balancers(Names=[target.load_balancer])["LoadBalancers"][0]
        for listener in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])[
            "Listeners"
        ]:
            if _forwards_to(listener["DefaultActions"], main):
                return Route(
                    listener["ListenerArn"], False, main, canary, balancer["LoadBalancerArn"]
                )
            for rule in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                if not rule.get("IsDefault") and _forwards_to(rule["Actions"], main):
                    return Route(rule["RuleArn"], True, main, canary, balancer["LoadBalancerArn"])
    except Exception as exc:
        raise aws_failure(f"reading the load balancer {target.load_balancer}", exc) from exc
    raise Refused(
        "target",
        f"no listener or rule of {target.load_balancer} forwards to {target.family(service)}",
        hint="forward the service's route to its main target group (and -canary at weight 0)",
    )


def weigh(elbv2: Any, r: Route, canary_percent: float) -> None:
    """Send ``canary_percent`` of the route's requests to the canary, the rest to the main."""
    share = round(canary_percent)
    forward = [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": r.main, "Weight": 100 - share},
                    {"TargetGroupArn": r.canary, "Weight": share},
                ]
            },
        }
    ]
    what = "shifting traffic between the main and canary target groups"
    if r.is_rule:
        aws_call(what, elbv2.modify_rule, RuleArn=r.arn, Actions=forward)
    else:
        aws_call(what, elbv2.modify_listener, ListenerArn=r.arn, DefaultActions=forward)


def retreat(target: AwsTarget, clients: Any, service: str) -> None:
    """Every request back on the main service, the canary scaled to zero."""
    r = route(target, clients.elbv2, service)
    weigh(clients.elbv2, r, 0)
    name = target.canary(service)
    aws_call(
        f"scaling {name} to zero",
        clients.ecs.update_service,
        cluster=target.cluster,
        service=name,
        desiredCount=0,
    )


def run(
    target: AwsTarget,
    clients: Any,
    service: str,
    task_def: str,
    rollout: Rollout,
    slo: Slo,
    source: SliSource,
    bake: Bake,
    on_step: Callable[[Step], None],
) -> None:
    """Take ``service`` to ``task_def`` through the canary; Refused at the first breach."""
    r = route(target, clients.elbv2, service)
    main = ecs.describe(clients.ecs, target, [target.family(service)])[target.family(service)]
    ecs.update(clients.ecs, target, target.canary(service), task_def, max(1, main["desiredCount"]))
    for number, weight in enumerate(rollout.steps, start=1):
        weigh(clients.elbv2, r, weight)
        start = datetime.now(UTC) - timedelta(seconds=1)
        bake(number, weight)
        # The SLO's window of this step: its last `slo.window`, or all of it when it is shorter.
        end = datetime.now(UTC) + timedelta(seconds=1)
        since = max(start, end - timedelta(seconds=parse_duration(slo.window)))
        verdict = judge(slo, source.read(r.canary, since, end))
        on_step(Step(weight=weight, verdict="pass" if verdict.ok else "breach", says=verdict.says))
        if not verdict.ok and not rollout.auto_rollback:
            raise Refused(
                "canary",
                f"{service} breached its SLO at step {number} ({weight:g}% of traffic): "
                f"{verdict.says}; halted there, as rollout.auto_rollback is off",
                hint=f"`inv rollback {target.env}` puts every request back on the running "
                f"release; `inv promote {target.env}` with a fixed build starts a new canary",
            )
        if not verdict.ok:
            retreat(target, clients, service)
            raise Refused(
                "canary",
                f"{service} breached its SLO at step {number} ({weight:g}% of traffic): "
                f"{verdict.says}; traffic is back on the running release and the canary is at 0",
                hint="read the candidate's errors in its logs, fix them, and promote a new build",
            )
    ecs.update(clients.ecs, target, target.family(service), task_def)
    retreat(target, clients, service)


def covers(service_port: int | None, rollout: Rollout) -> bool:
    """Does the canary carry this service (it takes requests through the load balancer)?"""
    return rollout.strategy == "canary" and service_port is not None
