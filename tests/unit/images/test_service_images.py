"""Where each service's image is tagged: one tag per distinct build, whatever its form."""

from __future__ import annotations

from greenroom.images.services import build_tag
from greenroom.model.types import BuildSpec


def test_a_plain_folder_is_tagged_by_its_name() -> None:
    assert build_tag("shop", "app") == "greenroom-app/shop-app:latest"
    assert build_tag("shop", BuildSpec(context="app")) == "greenroom-app/shop-app:latest"


def test_a_target_or_args_get_their_own_tag() -> None:
    prod = build_tag("shop", BuildSpec(context="app", target="prod"))
    dev = build_tag("shop", BuildSpec(context="app", target="dev"))
    assert prod != dev and prod.startswith("greenroom-app/shop-app-")
    assert build_tag("shop", BuildSpec(context="app", args={"A": "1"})) != build_tag(
        "shop", BuildSpec(context="app", args={"A": "2"})
    )
