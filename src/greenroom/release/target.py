"""Where in AWS an environment lives: names from `promotion.target`, else from project and env.

The same boto3 calls serve a real account and an AWS-compatible endpoint: the only difference is
an optional ``endpoint_url`` (or boto3's own ``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from greenroom.model.environment import Environment
from greenroom.release.errors import ReleaseError

DEFAULT_REGION = "us-east-1"
MISSING = ("NoSuchKey", "404")
"""The error codes of an S3 object that is not there."""


@dataclass(frozen=True)
class AwsTarget:
    """The resolved names of one environment's AWS home."""

    env: str
    region: str
    cluster: str
    bucket: str
    load_balancer: str
    repository_prefix: str
    endpoint_url: str | None = None
    registry: str | None = None
    execution_role: str | None = None

    def family(self, service: str) -> str:
        """Task definition family, ECS service and target group name of ``service``."""
        return f"{self.cluster}-{service}"

    def canary(self, service: str) -> str:
        return f"{self.family(service)}-canary"

    def repository(self, service: str) -> str:
        return f"{self.repository_prefix}/{service}"

    def client(self, service: str) -> Any:
        import boto3

        try:
            return boto3.session.Session(region_name=self.region).client(
                service, endpoint_url=self.endpoint_url
            )
        except Exception as exc:
            raise aws_failure(f"opening an AWS {service} client", exc) from exc


def aws_target(env: Environment) -> AwsTarget:
    """The target of ``env``, defaults filled in from the model."""
    spec = env.promotion.target
    aws = env.component("aws")
    base = f"{env.project}-{env.name}"
    return AwsTarget(
        env=env.name,
        region=spec.region or getattr(aws, "region", None) or DEFAULT_REGION,
        cluster=spec.cluster or base,
        bucket=spec.bucket or f"{base}-releases",
        load_balancer=spec.load_balancer or base,
        repository_prefix=spec.repository_prefix or env.project,
        endpoint_url=spec.endpoint_url,
        registry=spec.registry,
        execution_role=spec.execution_role,
    )


def error_code(exc: Exception) -> str:
    """The AWS error code of a botocore failure (``NoSuchKey``), else the exception's name."""
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code") or type(exc).__name__)


def aws_call(
    what: str,
    method: Callable[..., Any],
    /,
    *,
    tolerate: tuple[str, ...] = (),
    hint: str = "",
    **args: Any,
) -> Any:
    """``method(**args)``; None when it fails with an error in ``tolerate``, else a ReleaseError
    saying ``what`` was being done."""
    try:
        return method(**args)
    except Exception as exc:
        if error_code(exc) in tolerate or type(exc).__name__ in tolerate:
            return None
        raise aws_failure(what, exc, hint) from exc


def aws_failure(what: str, exc: Exception, hint: str = "") -> ReleaseError:
    """A boto3/botocore failure as a ReleaseError that says what was being done."""
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    credentials = type(exc).__name__ in (
        "NoCredentialsError",
        "PartialCredentialsError",
        "ProfileNotFound",
    )
    return ReleaseError(
        f"{what}: {'no AWS credentials' if credentials else (code or type(exc).__name__)}",
        details=str(exc),
        hint=(
            "set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) for the target account"
            if credentials
            else hint
            or "check the target account's permissions and resources, then run the same "
            "command again: it picks up where it stopped"
        ),
    )
