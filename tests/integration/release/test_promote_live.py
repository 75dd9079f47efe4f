"""Promotion against a moto server and a local registry, from a real git repository."""

from __future__ import annotations

import json

import pytest

from conftest import Infra
from greenroom.release.promote import promote
from greenroom.release.rollback import releases
from release_project import Project


def to_stage(project: Project, infra: Infra, images: dict[str, str]) -> None:
    infra.build("stage")
    project.branch("release/1.0")
    project.record("smoke", "dev", images)
    promote("stage", overrides=infra.overrides("stage"))


def test_stage_runs_exactly_the_digests_that_passed_on_dev(
    project: Project, infra: Infra, images: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    to_stage(project, infra, images)
    for service, image in images.items():
        task = infra.task_definition("stage", service)
        (box,) = task["containerDefinitions"]
        assert "@sha256:" in box["image"]
        assert infra.config_digest(box["image"]) == image
    web = infra.task_definition("stage", "web")["containerDefinitions"][0]
    assert {e["name"]: e["value"] for e in web["environment"]} == {"GREETING": "hello"}
    assert all(s["valueFrom"].startswith("arn:") for s in web["secrets"])
    capsys.readouterr()
    releases("stage", as_json=True, overrides=infra.overrides("stage"))
    (release,) = json.loads(_json(capsys))
    assert release["state"] == "done" and release["images"] == images


def _json(capsys: pytest.CaptureFixture[str]) -> str:
    out = capsys.readouterr().out
    return out[out.index("[") :]
