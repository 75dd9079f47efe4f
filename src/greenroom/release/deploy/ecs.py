"""ECS: a task definition revision per service naming its image by digest, and service updates.

Secrets reach a task as SSM parameter or Secrets Manager ARNs (never values); the environment
comes from the model. Rolling updates run with the deployment circuit breaker, which rolls back by
itself when tasks fail to start.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from greenroom.model.environment import Environment
from greenroom.model.forms import memory_bytes
from greenroom.model.types import Service
from greenroom.release.errors import Refused, ReleaseError
from greenroom.release.target import AwsTarget, aws_call

WAIT_SECONDS = 900.0
POLL_SECONDS = 5.0


def deployed_services(env: Environment) -> list[str]:
    """The services that run as ECS services (one-shot jobs are registered, not kept running)."""
    return sorted(name for name, svc in env.services.items() if not svc.one_shot)


def container(name: str, svc: Service, ref: str, secrets: Mapping[str, str]) -> dict[str, Any]:
    """One container definition: image by digest, the model's env, secrets by ARN."""
    spec: dict[str, Any] = {
        "name": name,
        "image": ref,
        "essential": not svc.one_shot,
        "environment": [{"name": k, "value": v} for k, v in sorted(svc.env.items())],
        "secrets": [{"name": k, "valueFrom": secrets[s]} for k, s in sorted(svc.secrets.items())],
    }
    if svc.command:
        spec["command"] = list(svc.command)
    if svc.port:
        spec["portMappings"] = [{"containerPort": svc.port, "protocol": "tcp"}]
    return spec


def task_definition(
    target: AwsTarget, name: str, svc: Service, ref: str, secrets: Mapping[str, str]
) -> dict[str, Any]:
    """The arguments of ``register_task_definition`` for ``name``."""
    if "@sha256:" not in ref:
        raise ReleaseError(f"{name}: {ref} is not pinned by digest", hint="promote by digest")
    memory = (
        memory_bytes(svc.resources.memory) // 2**20
        if svc.resources and svc.resources.memory
        else 512
    )
    cpu = int(float(svc.resources.cpus) * 1024) if svc.resources and svc.resources.cpus else 256
    spec: dict[str, Any] = {
        "family": target.family(name),
        "containerDefinitions": [container(name, svc, ref, secrets)],
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": str(cpu),
        "memory": str(memory),
    }
    if target.execution_role:
        spec["executionRoleArn"] = target.execution_role
    return spec


def secret_arns(env: Environment, target: AwsTarget, ssm: Any, sm: Any) -> dict[str, str]:
    """Secret name -> the ARN of its SSM parameter or Secrets Manager secret."""
    used = sorted({s for svc in env.services.values() for s in svc.secrets.values()})
    arns: dict[str, str] = {}
    for name in used:
        source = env.secrets[name].aws or ""
        try:
            if source.startswith("arn:"):
                arns[name] = source
            elif source.startswith("/"):
                arns[name] = ssm.get_parameter(Name=source)["Parameter"]["ARN"]
            else:
                arns[name] = sm.describe_secret(SecretId=source)["ARN"]
        except Exception as exc:
            store = "SSM" if source.startswith("/") else "Secrets Manager"
            raise Refused(
                "secrets",
                f"secret {name} points at {source}, which {store} in {target.region} does not have "
                f"({type(exc).__name__})",
                hint=f"create {source} in the target account, or fix secrets.{name}.aws",
            ) from exc
    return arns


def register(ecs: Any, spec: Mapping[str, Any]) -> str:
    what = f"registering the task definition {spec['family']}"
    done = aws_call(what, ecs.register_task_definition, **spec)
    return str(done["taskDefinition"]["taskDefinitionArn"])


def describe(ecs: Any, target: AwsTarget, names: list[str]) -> dict[str, dict[str, Any]]:
    """ECS service name -> its description; Refused naming the missing ones."""
    found = aws_call(
        f"describing the services of cluster {target.cluster}",
        ecs.describe_services,
        cluster=target.cluster,
        services=names,
    )
    services = {s["serviceName"]: s for s in found["services"] if s.get("status") == "ACTIVE"}
    missing = [n for n in names if n not in services]
    if missing:
        raise Refused(
            "target",
            f"cluster {target.cluster} has no ECS service {', '.join(missing)}",
            hint="create the cluster's services with your infrastructure code (they are the "
            "target greenroom updates), or set promotion.target.cluster",
        )
    return services


def update(
    ecs: Any,
    target: AwsTarget,
    service: str,
    task_def: str,
    count: int | None = None,
    alarms: Sequence[str] = (),
) -> None:
    """Point ``service`` at ``task_def`` (circuit breaker on, and ``alarms`` rolling it back)
    and wait until it is steady."""
    extra: dict[str, Any] = {"desiredCount": count} if count is not None else {}
    watched = {"alarms": {"alarmNames": list(alarms), "enable": True, "rollback": True}}
    aws_call(
        f"updating the ECS service {service}",
        ecs.update_service,
        cluster=target.cluster,
        service=service,
        taskDefinition=task_def,
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            **(watched if alarms else {}),
        },
        **extra,
    )
    wait(ecs, target, service, task_def)


def wait(ecs: Any, target: AwsTarget, service: str, task_def: str) -> None:
    """Until the service runs ``task_def`` and its primary deployment completed."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = describe(ecs, target, [service])[service]
        primary: dict[str, Any] = next(
            (d for d in found.get("deployments", []) if d["status"] == "PRIMARY"), {}
        )
        state = primary.get("rolloutState", "COMPLETED")
        if state == "FAILED":
            raise ReleaseError(
                f"ECS rolled {service} back: {primary.get('rolloutStateReason', 'tasks failed')}",
                hint=f"read the stopped tasks' reasons: aws ecs describe-services --cluster "
                f"{target.cluster} --services {service}",
            )
        if found["taskDefinition"] == task_def and state == "COMPLETED":
            return
        if time.monotonic() > deadline:
            raise ReleaseError(
                f"{service} did not become steady on {task_def} in {WAIT_SECONDS:.0f}s",
                hint="run the same command again: it converges, or `inv rollback` returns",
            )
        time.sleep(POLL_SECONDS)
