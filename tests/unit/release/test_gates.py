"""Each gate of `promotion:` against a real git repository with SSH-signed tags and a ledger."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from greenroom.release.errors import Refused
from greenroom.release.gates import enforce
from greenroom.release.history import Release
from greenroom.release.plan import Plan, make_plan
from release_project import IMAGES, Project


class Past:
    """The target's history as a promotion reads it, with no AWS behind it."""

    def __init__(self, *releases: Release) -> None:
        self.releases = list(releases)

    def read(self) -> list[Release]:
        return self.releases


def plan(
    env: str,
    *overrides: str,
    past: Past | None = None,
    approve: bool = False,
    now: datetime | None = None,
) -> Plan:
    return make_plan(env, overrides=overrides, history=past or Past(), approve=approve, now=now)  # type: ignore[arg-type]


def refusal(env: str, *overrides: str, past: Past | None = None) -> Refused:
    with pytest.raises(Refused) as caught:
        enforce(plan(env, *overrides, past=past).verdicts)
    return caught.value


def stage_ready(project: Project) -> None:
    project.branch("release/1.0")
    project.record("smoke", "dev", IMAGES)


def prod_ready(project: Project) -> None:
    project.record("smoke", "stage", IMAGES)
    project.record("contract", "stage", IMAGES)


def test_a_candidate_with_every_gate_passed(project: Project) -> None:
    stage_ready(project)
    done = plan("stage")
    assert done.passed
    assert done.candidate.images == IMAGES
    assert [v.gate for v in done.verdicts] == ["branch", "evidence", "secrets"]


def test_a_signed_release_tag_on_main_passes_with_its_signer(project: Project) -> None:
    prod_ready(project)
    project.signed_tag("v1.0.0")
    done = plan("prod")
    assert done.passed, done.verdicts
    signature = next(v for v in done.verdicts if v.gate == "signature")
    assert "alice@example.com" in signature.says


def test_wrong_branch_is_refused(project: Project) -> None:
    project.branch("feature/x")
    project.record("smoke", "dev", IMAGES)
    refused = refusal("stage")
    assert refused.gate == "branch"
    assert "release/*" in str(refused) and "feature/x" in str(refused)


def test_lightweight_tag_is_refused(project: Project) -> None:
    prod_ready(project)
    project.git("tag", "v1.0.0")
    refused = refusal("prod")
    assert refused.gate == "tag"
    assert "lightweight" in str(refused) and "git tag -s v1.0.0" in str(refused)


def test_unsigned_tag_is_refused(project: Project) -> None:
    prod_ready(project)
    project.git("tag", "-a", "v1.0.0", "-m", "release")
    refused = refusal("prod")
    assert refused.gate == "signature"
    assert "v1.0.0 is not signed" in str(refused)


def test_tag_signed_outside_the_release_signers_is_refused(project: Project) -> None:
    prod_ready(project)
    project.signed_tag("v1.0.0", key="other")
    refused = refusal("prod")
    assert refused.gate == "signature"
    assert "not signed by a release signer" in str(refused)
    assert "release/allowed_signers" in str(refused)


def test_signer_outside_promotion_signers_is_refused(project: Project) -> None:
    prod_ready(project)
    project.signed_tag("v1.0.0")
    refused = refusal("prod", "promotion.signers=[bob@example.com]")
    assert refused.gate == "signature"
    assert "alice@example.com" in str(refused)


def test_a_tag_moved_since_its_promotion_is_refused(project: Project) -> None:
    prod_ready(project)
    project.signed_tag("v1.0.0")
    first = project.git("rev-parse", "refs/tags/v1.0.0")
    released = Release(
        number=1,
        env="prod",
        action="promote",
        state="done",
        who="a",
        time="t",
        tag="v1.0.0",
        tag_object=first,
    )
    project.git("tag", "-d", "v1.0.0")
    project.commit("after the release")
    project.signed_tag("v1.0.0")
    refused = refusal("prod", past=Past(released))
    assert refused.gate == "tag"
    assert "moved" in str(refused) and first[:12] in str(refused)


OTHER = {**IMAGES, "web": "sha256:" + "c" * 64}


@pytest.mark.parametrize(
    ("runs", "says"),
    [
        pytest.param([], "inv test smoke --env dev", id="no-evidence"),
        pytest.param(
            [("smoke", IMAGES, "pass"), ("smoke", IMAGES, "fail")],
            "smoke failed on dev",
            id="failed-evidence",
        ),
        pytest.param(
            [("smoke", IMAGES, "pass"), ("contract", OTHER, "pass")],
            "only for another image set",
            id="other-digest-evidence",
        ),
    ],
)
def test_evidence_short_of_a_pass_for_exactly_these_images_is_refused(
    project: Project, runs: list[tuple[str, dict[str, str], str]], says: str
) -> None:
    project.branch("release/1.0")
    for suite, images, result in runs:
        project.record(suite, "dev", images, result=result)
    refused = refusal("stage")
    assert refused.gate == "evidence"
    assert says in str(refused)


def test_a_secret_without_an_aws_source_is_refused(project: Project) -> None:
    stage_ready(project)
    refused = refusal("stage", "secrets.api-key.aws=null", "secrets.api-key.generate=true")
    assert refused.gate == "secrets"
    assert "secrets.api-key: {aws:" in str(refused)


def test_approval_is_required_and_recorded(project: Project) -> None:
    stage_ready(project)
    refused = refusal("stage", "promotion.approval=true")
    assert refused.gate == "approval" and "--approve" in str(refused)
    approved = plan("stage", "promotion.approval=true", approve=True)
    assert approved.passed and approved.approved_by == "alice@example.com"


def gpg(home: Path, *args: str) -> None:
    subprocess.run(
        ["gpg", "--batch", "--quiet", *args],
        env={**os.environ, "GNUPGHOME": str(home)},
        check=True,
        capture_output=True,
    )


@pytest.fixture
def gpg_signed(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """v1.0.0 signed with a GPG key this machine knows but has not certified."""
    signer, here = tmp_path / "signer-gnupg", tmp_path / "gnupg"
    for home in (signer, here):
        home.mkdir(mode=0o700)
    gpg(
        signer,
        "--passphrase",
        "",
        "--quick-gen-key",
        "Alice <alice@example.com>",
        "ed25519",
        "sign",
        "never",
    )
    gpg(signer, "--armor", "--output", str(tmp_path / "alice.asc"), "--export", "alice@example.com")
    subprocess.run(
        [
            "git",
            "-c",
            "gpg.format=openpgp",
            "-c",
            "user.signingkey=alice@example.com",
            "tag",
            "-s",
            "v1.0.0",
            "-m",
            "release",
        ],
        cwd=project.root,
        env={**os.environ, "GNUPGHOME": str(signer)},
        check=True,
    )
    gpg(here, "--import", str(tmp_path / "alice.asc"))
    monkeypatch.setenv("GNUPGHOME", str(here))
    yield
    for home in (signer, here):
        subprocess.run(
            ["gpgconf", "--kill", "gpg-agent"],
            env={**os.environ, "GNUPGHOME": str(home)},
            check=False,
        )


@pytest.mark.usefixtures("gpg_signed")
def test_an_untrusted_gpg_key_passes_only_without_a_minimum_trust(project: Project) -> None:
    prod_ready(project)
    assert plan("prod").passed
    refused = refusal("prod", "promotion.gpg_min_trust=fully")
    assert refused.gate == "signature"
    assert "Alice <alice@example.com>" in str(refused) and "gpg --lsign-key" in str(refused)


WINDOW = "promotion.windows=[Mon-Thu 09:00-16:00]"


def test_a_promotion_outside_the_change_windows_is_refused(project: Project) -> None:
    stage_ready(project)
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    with pytest.raises(Refused) as refused:
        enforce(plan("stage", WINDOW, now=friday).verdicts)
    assert refused.value.gate == "window"
    assert "Mon-Thu 09:00-16:00" in str(refused.value) and "Fri 10:00 UTC" in str(refused.value)
    assert plan("stage", WINDOW, now=datetime(2026, 11, 26, 15, 59, tzinfo=UTC)).passed


def test_plan_refusal_is_a_clean_message_without_a_traceback(project: Project) -> None:
    project.branch("feature/x")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(
        [sys.executable, "-m", "greenroom", "promote", "stage", "--plan"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert "FAIL branch" in done.stdout
    assert "error: gate branch:" in done.stderr and "hint:" in done.stderr
    assert "Traceback" not in done.stderr
