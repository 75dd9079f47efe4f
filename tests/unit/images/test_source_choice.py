"""Which source `inv images` uses: flag, then GREENROOM_IMAGE_SOURCE, then a registry probe."""

from __future__ import annotations

import pytest

from greenroom.errors import ConfigError
from greenroom.images.catalog import CATALOG, image_ref, select
from greenroom.images.ensure import choose_source, resolve_source, with_dependencies


def _never() -> bool:
    raise AssertionError("an explicit source must not probe the registry")


def test_explicit_flag_wins_and_never_probes() -> None:
    assert resolve_source("local", {"GREENROOM_IMAGE_SOURCE": "registry"}) == "local"
    assert choose_source("local", _never) == "local"
    assert choose_source("registry", _never) == "registry"


def test_environment_overrides_auto() -> None:
    assert resolve_source("auto", {"GREENROOM_IMAGE_SOURCE": "Local"}) == "local"
    assert resolve_source("auto", {}) == "auto"


def test_auto_follows_the_probe() -> None:
    assert choose_source("auto", lambda: True) == "registry"
    assert choose_source("auto", lambda: False) == "local"


@pytest.mark.parametrize(
    ("flag", "env", "origin"),
    [
        ("docker-hub", {}, "--source"),
        ("auto", {"GREENROOM_IMAGE_SOURCE": "cloud"}, "GREENROOM_IMAGE_SOURCE"),
    ],
)
def test_bad_source_names_the_setting_and_the_choices(
    flag: str, env: dict[str, str], origin: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_source(flag, env)
    assert origin in str(caught.value)
    assert "auto, registry, local" in (caught.value.hint or "")


def test_catalog_names_and_refs() -> None:
    assert image_ref("postgres") == "greenroom/postgres:17"
    assert image_ref("localstack") == "greenroom/localstack:4.14"
    assert image_ref("moto") == "greenroom/moto:5"
    with pytest.raises(ConfigError, match="unknown image 'mysql'"):
        image_ref("mysql")


def test_python_images_bring_their_base() -> None:
    specs = with_dependencies(select(["moto"]))
    assert [s.name for s in specs] == ["python", "moto"]
    assert with_dependencies(select(["redis"])) == [CATALOG["redis"]]
