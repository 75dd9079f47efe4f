"""The reference app's own envs/ go dev -> stage -> prod: prod runs what passed on stage."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import Infra, make_image
from greenroom.release.promote import promote
from greenroom.release.rollback import releases
from release_project import Project

REPO = Path(__file__).resolve().parents[3]
SECRETS = {"postgres-password": {"generate": None, "aws": "/shop/postgres-password"}}


def test_the_reference_app_goes_from_dev_to_stage_to_prod(
    project: Project, infra: Infra, capsys: pytest.CaptureFixture[str]
) -> None:
    for env_file in (REPO / "envs").glob("*.yaml"):
        shutil.copy(env_file, project.root / "envs" / env_file.name)
    app = make_image("app")
    images = {"migrate": app, "api": app, "worker": app}
    try:
        infra.build("stage", secrets=SECRETS)
        project.branch("release/1.0")
        project.record("smoke", "dev", images)
        promote("stage")
        project.record("smoke", "stage", images)
        project.record("contract", "stage", images)
        project.branch("main")
        project.signed_tag("v1.0.0")
        infra.build("prod", secrets=SECRETS)
        promote("prod", bake=lambda number, weight: None)
        for service in ("api", "worker"):
            ref = infra.task_definition("prod", service)["containerDefinitions"][0]["image"]
            assert infra.config_digest(ref) == app
        assert infra.weights("prod") == {"api": 100, "api-canary": 0}
        capsys.readouterr()
        releases("prod")
        shown = capsys.readouterr().out
        assert "v1.0.0" in shown and "done" in shown and "10%:pass 50%:pass 100%:pass" in shown
    finally:
        subprocess.run(["docker", "image", "rm", "-f", app], capture_output=True, check=False)
