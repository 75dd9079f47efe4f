"""What a person sees when an environment cannot be loaded: one clean message, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from invoke.exceptions import Exit

from greenroom.cli import reported
from greenroom.errors import ConfigError
from greenroom.model import ModelError, available_environments, load_environment

ROOT = Path(__file__).parents[3]


def test_reference_environments_are_discovered() -> None:
    assert available_environments(ROOT / "envs") == ["dev", "prod", "stage"]


@pytest.mark.parametrize("name", ["qa", "../envs/dev", "Dev", "base"])
def test_an_unknown_environment_lists_the_available_ones(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_environment(name, root=ROOT, environ={})
    assert caught.value.message.endswith("available: dev, prod, stage")
    assert caught.value.exit_code == 2
    assert caught.value.hint and "envs/" in caught.value.hint


def test_a_close_name_is_suggested() -> None:
    with pytest.raises(ConfigError, match="unknown environment 'prd'; did you mean 'prod'"):
        load_environment("prd", root=ROOT, environ={})


def test_every_problem_is_listed_once_in_a_stable_order() -> None:
    overrides = [
        "services.worker.depends_on=[ghost]",
        "services.api.zone=nowhere",
        "components.aws.topics[0].subscriptions[1].queue=order-audits",
    ]
    with pytest.raises(ModelError) as caught:
        load_environment("dev", root=ROOT, environ={}, overrides=overrides)
    lines = caught.value.message.splitlines()
    assert [line.split(": ")[1] for line in lines] == [
        "components.aws.topics[0].subscriptions[1].queue",
        "services.api.zone",
        "services.worker.depends_on[0]",
    ]
    assert lines[0].endswith("did you mean 'order-audit'?")
    assert len(caught.value.problems) == 3


def test_the_cli_turns_it_into_a_clean_exit_with_status_2() -> None:
    @reported
    def render() -> None:
        load_environment("dev", root=ROOT, environ={}, overrides=["exposure.publish=some"])

    with pytest.raises(Exit) as caught:
        render()
    assert caught.value.code == 2
    message = str(caught.value.message)
    assert message.startswith("error: --set exposure.publish:1:1: exposure.publish: ")
    assert "Traceback" not in message and "hint: " in message


def test_a_literal_secret_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        load_environment(
            "dev", root=ROOT, environ={}, overrides=["components.postgres.password=s3cr3t-value"]
        )
    assert "components.postgres.password: expected a mapping, got a single value" in str(
        caught.value
    )
    assert "s3cr3t" not in str(caught.value)
