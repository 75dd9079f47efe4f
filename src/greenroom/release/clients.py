"""The boto3 clients one promotion uses, each made on first use from the target's session."""

from __future__ import annotations

from typing import Any

from greenroom.release.target import AwsTarget

SERVICES = ("ecr", "ecs", "elbv2", "cloudwatch", "s3", "ssm", "secretsmanager")


class Clients:
    """ECR, ECS, ELBv2, CloudWatch, S3, SSM and Secrets Manager of one target: ``clients.ecs``."""

    def __init__(self, target: AwsTarget) -> None:
        self.target = target

    def __getattr__(self, name: str) -> Any:
        if name not in SERVICES:
            raise AttributeError(name)
        client = self.target.client(name)
        setattr(self, name, client)
        return client
