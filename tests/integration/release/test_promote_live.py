"""Promotion against a moto server and a local registry, from a real git repository."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import Infra, free_port, make_image
from greenroom.model import load_environment
from greenroom.release.clients import Clients
from greenroom.release.errors import Refused, ReleaseError
from greenroom.release.promote import promote
from greenroom.release.rollback import releases, rollback
from greenroom.release.target import aws_target
from greenroom.release.transport import tag_for
from release_project import Project


def stage_candidate(project: Project, infra: Infra, images: dict[str, str]) -> None:
    """Stage's AWS home built; a release branch whose images passed smoke on dev."""
    infra.build("stage")
    project.branch("release/1.0")
    project.record("smoke", "dev", images)


def to_stage(project: Project, infra: Infra, images: dict[str, str]) -> None:
    stage_candidate(project, infra, images)
    promote("stage", overrides=infra.overrides("stage"))


def ready_for_prod(project: Project, infra: Infra, images: dict[str, str]) -> None:
    """What passed on stage (`inv test smoke --target environ`), merged to main, tagged, signed."""
    infra.build("prod")
    project.record("smoke", "stage", images)
    project.record("contract", "stage", images)
    project.branch("main")
    project.signed_tag("v1.0.0")


def history(infra: Infra, env: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    releases(env, as_json=True, overrides=infra.overrides(env))
    out = capsys.readouterr().out
    found: list[dict[str, Any]] = json.loads(out[out.index("[") :])
    return found


def images_of(infra: Infra, env: str) -> dict[str, str]:
    """Service -> the image its running task definition names, as the registry holds it."""
    return {
        service: infra.config_digest(
            infra.task_definition(env, service)["containerDefinitions"][0]["image"]
        )
        for service in ("web", "jobs")
    }


def untouched(infra: Infra, env: str) -> bool:
    return all(
        infra.task_definition(env, s)["taskDefinitionArn"] == infra.created[env]
        for s in ("web", "jobs")
    )


def test_stage_runs_exactly_the_digests_that_passed_on_dev(
    project: Project, infra: Infra, images: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    infra.build("stage", rollout={"bake_time": "0s", "alarms": ["demo-stage-5xx"]})
    project.branch("release/1.0")
    project.record("smoke", "dev", images)
    promote("stage")
    cluster = infra.cluster("stage")
    (jobs,) = infra.client("ecs").describe_services(cluster=cluster, services=[f"{cluster}-jobs"])[
        "services"
    ]
    assert jobs["deploymentConfiguration"]["deploymentCircuitBreaker"] == {
        "enable": True,
        "rollback": True,
    }
    assert jobs["deploymentConfiguration"]["alarms"]["alarmNames"] == ["demo-stage-5xx"]
    assert images_of(infra, "stage") == images
    for service in images:
        assert (
            "@sha256:"
            in infra.task_definition("stage", service)["containerDefinitions"][0]["image"]
        )
    web = infra.task_definition("stage", "web")["containerDefinitions"][0]
    assert {e["name"]: e["value"] for e in web["environment"]} == {"GREETING": "hello"}
    assert all(s["valueFrom"].startswith("arn:") for s in web["secrets"])
    capsys.readouterr()
    promote("stage")
    assert "already runs release 1" in capsys.readouterr().err
    listed = subprocess.run(
        [sys.executable, "-m", "greenroom", "releases", "stage", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    (release,) = json.loads(listed.stdout)
    assert release["state"] == "done" and release["images"] == images
    assert release["who"] == "alice@example.com" and release["commit"] == project.git(
        "rev-parse", "HEAD"
    )


def test_dev_to_stage_to_prod_ships_what_passed_on_stage(
    project: Project, infra: Infra, images: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    to_stage(project, infra, images)
    ready_for_prod(project, infra, images)
    for image in images.values():  # prod copies from stage's registry, not from this machine
        subprocess.run(["docker", "image", "rm", "-f", image], check=True, capture_output=True)
    capsys.readouterr()
    promote("prod", overrides=infra.overrides("prod"))
    assert "copied from stage's registry" in capsys.readouterr().err
    assert images_of(infra, "prod") == images
    assert infra.weights("prod") == {"web": 100, "web-canary": 0}
    assert infra.desired("prod", "web-canary") == 0
    capsys.readouterr()
    releases("prod", overrides=infra.overrides("prod"))
    shown = capsys.readouterr().out
    assert "promote" in shown and "done" in shown and "v1.0.0" in shown
    assert "10%:pass 50%:pass 100%:pass" in shown
    (release,) = history(infra, "prod", capsys)
    assert release["tag_object"] == project.git("rev-parse", "refs/tags/v1.0.0")
    assert [e.split()[0] for e in release["evidence"]] == ["smoke", "contract"]


@pytest.mark.parametrize("step", [1, 2, 3])
def test_a_canary_breaching_its_slo_halts_and_rolls_back(
    step: int,
    project: Project,
    infra: Infra,
    images: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    ready_for_prod(project, infra, images)
    seen: list[dict[str, int]] = []

    def bake(number: int, weight: float) -> None:
        seen.append(infra.weights("prod"))
        infra.metrics("prod", requests=200, errors=40 if number == step else 0)

    with pytest.raises(Refused) as refused:
        promote("prod", overrides=infra.overrides("prod"), bake=bake)
    assert refused.value.gate == "canary"
    assert f"at step {step}" in str(refused.value)
    assert seen[-1]["web-canary"] == [10, 50, 100][step - 1]
    assert infra.weights("prod") == {"web": 100, "web-canary": 0}
    assert infra.desired("prod", "web-canary") == 0
    assert untouched(infra, "prod")
    (release,) = history(infra, "prod", capsys)
    assert release["state"] == "rolled-back"
    assert [s["verdict"] for s in release["steps"]] == ["pass"] * (step - 1) + ["breach"]


def test_a_canary_without_auto_rollback_halts_with_its_traffic_held_until_rolled_back(
    project: Project, infra: Infra, images: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ready_for_prod(project, infra, images)
    overrides = [*infra.overrides("prod"), "rollout.auto_rollback=false"]

    def bake(number: int, weight: float) -> None:
        infra.metrics("prod", requests=200, errors=40 if number == 2 else 0)

    with pytest.raises(Refused) as refused:
        promote("prod", overrides=overrides, bake=bake)
    assert "at step 2" in str(refused.value) and "halted there" in str(refused.value)
    assert "inv rollback prod" in (refused.value.hint or "")
    assert infra.weights("prod") == {"web": 50, "web-canary": 50}
    main = infra.task_definition("prod", "web")["taskDefinitionArn"]
    assert main == infra.created["prod"], "the main service still runs what ran before"
    (release,) = history(infra, "prod", capsys)
    assert release["state"] == "halted"
    rollback("prod", overrides=overrides)
    assert infra.weights("prod") == {"web": 100, "web-canary": 0}
    assert infra.desired("prod", "web-canary") == 0
    assert untouched(infra, "prod")


KILLED_AT_STEP_2 = """
import os
from greenroom.release.promote import promote
promote("prod", bake=lambda number, weight: os._exit(9) if number == 2 else None)
"""


def test_an_interrupted_promotion_converges_on_the_next(
    project: Project, infra: Infra, images: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ready_for_prod(project, infra, images)
    killed = subprocess.run([sys.executable, "-c", KILLED_AT_STEP_2], capture_output=True)
    assert killed.returncode == 9, killed.stderr
    assert infra.weights("prod") == {"web": 50, "web-canary": 50}
    promote("prod", overrides=infra.overrides("prod"))
    assert images_of(infra, "prod") == images
    assert infra.weights("prod") == {"web": 100, "web-canary": 0}
    assert infra.desired("prod", "web-canary") == 0
    assert [r["state"] for r in history(infra, "prod", capsys)] == ["interrupted", "done"]


def test_ctrl_c_mid_canary_puts_back_what_ran_before(
    project: Project, infra: Infra, images: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ready_for_prod(project, infra, images)

    def interrupt(number: int, weight: float) -> None:
        if number == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        promote("prod", overrides=infra.overrides("prod"), bake=interrupt)
    assert infra.weights("prod") == {"web": 100, "web-canary": 0}
    assert infra.desired("prod", "web-canary") == 0
    assert untouched(infra, "prod")
    promote("prod", overrides=infra.overrides("prod"))
    assert images_of(infra, "prod") == images
    assert [r["state"] for r in history(infra, "prod", capsys)] == ["interrupted", "done"]


def test_rollback_returns_to_the_release_before(
    project: Project, infra: Infra, images: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    to_stage(project, infra, images)
    newer = {"web": make_image("web2"), "jobs": images["jobs"]}
    try:
        project.commit("next")
        project.record("smoke", "dev", newer)
        promote("stage", overrides=infra.overrides("stage"))
        assert images_of(infra, "stage") == newer
        rollback("stage", overrides=infra.overrides("stage"))
        assert images_of(infra, "stage") == images
        rollback("stage", to=2, overrides=infra.overrides("stage"))
        assert images_of(infra, "stage") == newer
        shown = history(infra, "stage", capsys)
        assert [(r["action"], r["note"]) for r in shown[2:]] == [
            ("rollback", "to release 1"),
            ("rollback", "to release 2"),
        ]
    finally:
        subprocess.run(["docker", "image", "rm", "-f", newer["web"]], capture_output=True)


def test_an_unreachable_registry_is_refused_and_nothing_is_touched(
    project: Project, infra: Infra, images: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    stage_candidate(project, infra, images)
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(Refused) as refused:
        promote("stage", overrides=infra.overrides("stage", registry=closed))
    assert refused.value.gate == "transport"
    assert closed.removeprefix("http://") in str(refused.value)
    assert untouched(infra, "stage")
    assert history(infra, "stage", capsys) == []


def test_a_digest_other_than_the_candidates_after_the_push_is_refused(
    project: Project, infra: Infra, images: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    stage_candidate(project, infra, images)
    repository = f"{infra.cluster('stage')}/web"
    squatter = make_image("squatter")
    host = infra.registry.removeprefix("http://")
    name = f"{host}/{repository}:{tag_for(images['web'])}"
    try:
        subprocess.run(["docker", "tag", squatter, name], check=True, capture_output=True)
        subprocess.run(["docker", "push", "-q", name], check=True, capture_output=True)
        target = aws_target(load_environment("stage", overrides=infra.overrides("stage")))
        ecr = Clients(target).ecr
        from greenroom.release.transport import registry

        manifest, media, digest = registry(target, ecr).manifest(repository, tag_for(images["web"]))
        ecr.create_repository(repositoryName=repository, imageTagMutability="IMMUTABLE")
        ecr.put_image(
            repositoryName=repository,
            imageManifest=manifest,
            imageManifestMediaType=media,
            imageTag=tag_for(images["web"]),
            imageDigest=digest,
        )
        with pytest.raises(Refused) as refused:
            promote("stage", overrides=infra.overrides("stage"))
    finally:
        subprocess.run(["docker", "image", "rm", "-f", name, squatter], capture_output=True)
    assert refused.value.gate == "digest"
    assert images["web"] in str(refused.value)
    assert untouched(infra, "stage")


class FailingEcs:
    """ECS that refuses the first update of the web service, as a throttled or broken API would."""

    def __init__(self, real: Any) -> None:
        self.real, self.failed = real, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def update_service(self, **args: Any) -> Any:
        if args["service"].endswith("-web") and not self.failed:
            self.failed = True
            raise ClientError(
                {"Error": {"Code": "ServerException", "Message": "boom"}}, "UpdateService"
            )
        return self.real.update_service(**args)


def test_an_ecs_error_mid_deploy_restores_what_ran_before(
    project: Project, infra: Infra, images: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    stage_candidate(project, infra, images)
    clients = Clients(aws_target(load_environment("stage", overrides=infra.overrides("stage"))))
    clients.ecs = FailingEcs(clients.ecs)
    with pytest.raises(ReleaseError) as failed:
        promote("stage", overrides=infra.overrides("stage"), clients=clients)
    assert "updating the ECS service" in str(failed.value) and "ServerException" in str(
        failed.value
    )
    assert untouched(infra, "stage")
    (release,) = history(infra, "stage", capsys)
    assert release["state"] == "failed"


def test_a_locked_environment_is_refused(
    project: Project, infra: Infra, images: dict[str, str]
) -> None:
    stage_candidate(project, infra, images)
    holder = {"who": "bob@example.com", "what": "promote", "host": "ci-7", "pid": 1, "time": "t"}
    infra.client("s3").put_object(
        Bucket=f"{infra.cluster('stage')}-releases",
        Key="greenroom/lock.json",
        Body=json.dumps(holder),
    )
    with pytest.raises(ReleaseError) as locked:
        promote("stage", overrides=infra.overrides("stage"))
    assert "stage is locked" in str(locked.value) and "bob@example.com on ci-7" in str(locked.value)
    assert untouched(infra, "stage")
