"""The catalog is what the recipe folders say: one folder with an image.toml is one image."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from greenroom.errors import ConfigError, ImageError
from greenroom.images.catalog import (
    CATALOG,
    IMAGE_NAMES,
    RECIPES,
    default_tag,
    discover,
    get,
    image_ref,
    load_spec,
)
from greenroom.images.dockerfile import parse


def _recipe(root: Path, name: str, manifest: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "Dockerfile").write_text("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nADD layer.tar /\n")
    (folder / "image.toml").write_text(manifest)
    return folder


def test_every_recipe_folder_is_in_the_catalog() -> None:
    folders = {p.name for p in RECIPES.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert set(IMAGE_NAMES) == folders
    assert {"prometheus", "alertmanager", "postgres-exporter"} <= folders


def test_parents_build_before_their_children() -> None:
    order = list(IMAGE_NAMES)
    for spec in CATALOG.values():
        if spec.parent != "base":
            assert order.index(spec.parent) < order.index(spec.name)
    assert order.index("python") < order.index("localstack")
    assert order.index("python") < order.index("moto")


def test_manifests_carry_what_the_catalog_used_to_hard_code() -> None:
    assert get("postgres").packages == ("postgresql-17",)
    assert get("localstack").parent == "python"
    assert get("localstack").passthrough_env == ("LOCALSTACK_AUTH_TOKEN",)
    assert get("moto").upstream == "motoserver/moto:5.2.5"
    assert get("prometheus").packages == ("prometheus",)
    assert get("alertmanager").packages == ("prometheus-alertmanager",)
    assert get("postgres-exporter").packages == ("prometheus-postgres-exporter",)


def test_default_tag_is_the_tag_images_are_built_under() -> None:
    assert default_tag("postgres") == "17"
    assert default_tag("redis") == "8.0"
    for name in IMAGE_NAMES:
        assert image_ref(name) == f"greenroom/{name}:{default_tag(name)}"
    with pytest.raises(ConfigError, match="unknown image 'mysql'"):
        default_tag("mysql")


def test_upstream_pins_are_exact_versions() -> None:
    for spec in CATALOG.values():
        if not spec.upstream:  # greenroom's own tool, standing in for nothing
            continue
        _, _, version = spec.upstream.rpartition(":")
        assert version and version != "latest", spec.name
        assert version.lstrip("v").startswith(spec.tag), spec.name


BUILT = tuple(name for name in IMAGE_NAMES if not CATALOG[name].registry_only)


def test_images_greenroom_cannot_build_say_why_and_pin_their_upstream() -> None:
    only = {name: spec for name, spec in CATALOG.items() if spec.registry_only}
    assert sorted(only) == ["grafana", "opensearch"]
    for name, spec in only.items():
        assert "Debian does not package" in spec.registry_only
        assert not (RECIPES / name / "Dockerfile").exists()


@pytest.mark.parametrize("name", BUILT)
def test_no_recipe_declares_an_anonymous_volume(name: str) -> None:
    recipe = parse((RECIPES / name / "Dockerfile").read_text(), f"{name}/Dockerfile")
    assert [args for keyword, args in recipe.changes if keyword == "VOLUME"] == []


@pytest.mark.parametrize("name", ["prometheus", "alertmanager", "postgres-exporter"])
def test_monitoring_images_run_unprivileged(name: str) -> None:
    recipe = parse((RECIPES / name / "Dockerfile").read_text(), f"{name}/Dockerfile")
    users = [args for keyword, args in recipe.changes if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_every_recipe_file_ships_in_the_package() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["greenroom"]
    package = RECIPES.parents[1]
    files = [p.relative_to(package).as_posix() for p in RECIPES.rglob("*") if p.is_file()]
    unshipped = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert unshipped == [], "add their patterns to [tool.setuptools.package-data]"


def test_a_new_folder_is_a_new_image_in_parent_order(tmp_path: Path) -> None:
    _recipe(tmp_path, "zeta", 'tag = "1"\nupstream = "zeta:1.0"\npackages = ["zeta"]\n')
    _recipe(tmp_path, "alpha", 'tag = "2"\nupstream = "alpha:2.0"\nparent = "zeta"\n')
    _recipe(tmp_path, "mid", 'tag = "3"\nupstream = "mid:3.0"\nparent = "alpha"\n')
    (tmp_path / "__pycache__").mkdir()
    specs = discover(tmp_path)
    assert list(specs) == ["zeta", "alpha", "mid"]
    assert specs["alpha"].recipe == tmp_path / "alpha"
    assert specs["zeta"].ref == "greenroom/zeta:1"
    assert specs["alpha"].packages == ()


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ('upstream = "x:1"\n', "missing tag"),
        ('tag = "1"\nupstream = "x:1"\npackage = ["x"]\n', "unknown key(s) package"),
        ('tag = 1\nupstream = "x:1"\n', "tag must be a non-empty string"),
        ('tag = "1"\nupstream = "x:1"\npackages = "x"\n', "packages must be a list"),
        ('tag = "1"\nupstream = "x:1"\nparent = "nope"\n', "parent 'nope' is not a recipe"),
        ('tag = "1"\nupstream = "x:1"\nparent = "one"\n', "cycle: one -> one"),
        ('tag = "1\n', "is not valid TOML"),
    ],
)
def test_a_bad_manifest_names_the_file_and_the_problem(
    tmp_path: Path, manifest: str, message: str
) -> None:
    _recipe(tmp_path, "one", manifest)
    with pytest.raises(ImageError) as caught:
        discover(tmp_path)
    assert message in str(caught.value)


def test_a_folder_without_a_manifest_says_what_to_add(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    with pytest.raises(ImageError, match=r"has no image\.toml") as caught:
        load_spec(tmp_path / "half")
    assert "tag" in (caught.value.hint or "")


def test_a_folder_name_must_be_an_image_name(tmp_path: Path) -> None:
    _recipe(tmp_path, "Bad_Name", 'tag = "1"\nupstream = "x:1"\n')
    with pytest.raises(ImageError, match="not a valid image name"):
        discover(tmp_path)
