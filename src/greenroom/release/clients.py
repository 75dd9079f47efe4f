"""The boto3 clients one promotion uses, made on first use from the target's session."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from greenroom.release.target import AwsTarget


class Clients:
    """ECR, ECS, ELBv2, CloudWatch, S3, SSM and Secrets Manager of one target."""

    def __init__(self, target: AwsTarget) -> None:
        self.target = target

    @cached_property
    def ecr(self) -> Any:
        return self.target.client("ecr")

    @cached_property
    def ecs(self) -> Any:
        return self.target.client("ecs")

    @cached_property
    def elbv2(self) -> Any:
        return self.target.client("elbv2")

    @cached_property
    def cloudwatch(self) -> Any:
        return self.target.client("cloudwatch")

    @cached_property
    def s3(self) -> Any:
        return self.target.client("s3")

    @cached_property
    def ssm(self) -> Any:
        return self.target.client("ssm")

    @cached_property
    def secretsmanager(self) -> Any:
        return self.target.client("secretsmanager")
