"""A canary's steps and its first share are one setting written two ways."""

from __future__ import annotations

from greenroom.model.types import Rollout


def test_the_steps_start_at_the_canary_share() -> None:
    assert Rollout.model_validate({"canary_percent": 5}).steps == [5, 50, 100]
    assert Rollout.model_validate({"canary_percent": 60}).steps == [60, 100]


def test_the_share_is_the_first_step() -> None:
    assert Rollout.model_validate({"steps": [20, 100]}).canary_percent == 20


def test_both_alike_are_accepted_and_the_defaults_agree() -> None:
    both = Rollout.model_validate({"canary_percent": 10, "steps": [10, 50, 100]})
    assert both == Rollout()
