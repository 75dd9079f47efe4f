"""A task definition names its image by digest, secrets by ARN and the model's environment."""

from __future__ import annotations

import pytest

from greenroom.model import load_environment
from greenroom.release.deploy.ecs import deployed_services, task_definition
from greenroom.release.errors import ReleaseError
from greenroom.release.target import aws_target
from release_project import Project

REF = "123.example/demo/web@sha256:" + "d" * 64
ARNS = {"db-password": "arn:aws:ssm:r:1:parameter/demo/db-password", "api-key": "arn:aws:sm:k"}


def test_every_container_is_pinned_with_secrets_by_arn(project: Project) -> None:
    env = load_environment("stage")
    spec = task_definition(aws_target(env), "web", env.services["web"], REF, ARNS)
    (box,) = spec["containerDefinitions"]
    assert spec["family"] == "demo-stage-web"
    assert box["image"] == REF
    assert box["environment"] == [{"name": "GREETING", "value": "hello"}]
    assert box["secrets"] == [
        {"name": "API_KEY", "valueFrom": ARNS["api-key"]},
        {"name": "DB_PASSWORD", "valueFrom": ARNS["db-password"]},
    ]
    assert box["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]


def test_an_image_not_pinned_by_digest_is_refused(project: Project) -> None:
    env = load_environment("stage")
    with pytest.raises(ReleaseError, match="not pinned by digest"):
        task_definition(aws_target(env), "web", env.services["web"], "demo/web:latest", ARNS)


def test_one_shot_jobs_are_registered_but_not_kept_running(project: Project) -> None:
    env = load_environment("stage", overrides=["services.jobs.one_shot=true"])
    assert deployed_services(env) == ["web"]
