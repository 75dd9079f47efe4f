"""Recipe Dockerfiles read as data: the config they set on top of the parent's, and their COPYs."""

from __future__ import annotations

import pytest

from greenroom.errors import ConfigError
from greenroom.images.catalog import CATALOG
from greenroom.images.dockerfile import apply, parse

RECIPE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ADD layer.tar /
# comment
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/opt/bin:/usr/bin \\
    PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432 8222/udp
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
"""

PARENT = {"Env": ["PATH=/usr/bin", "LANG=C.UTF-8"], "Cmd": ["bash"], "Labels": {"a": "1"}}


def test_parse_collects_changes_and_copies() -> None:
    recipe = parse(RECIPE)
    assert recipe.adds_layer
    assert recipe.copies == [("docker-entrypoint.sh", "/usr/local/bin/docker-entrypoint.sh")]
    assert [k for k, _ in recipe.changes] == [
        "ENV",
        "VOLUME",
        "EXPOSE",
        "STOPSIGNAL",
        "ENTRYPOINT",
        "CMD",
    ]


def test_apply_inherits_and_overrides_like_docker() -> None:
    config = apply(PARENT, parse(RECIPE).changes)
    assert config["Env"] == [
        "PATH=/opt/bin:/usr/bin",
        "LANG=C.UTF-8",
        "PGDATA=/var/lib/postgresql/data",
    ]
    assert config["Entrypoint"] == ["docker-entrypoint.sh"]
    assert config["Cmd"] == ["postgres"]
    assert config["ExposedPorts"] == {"5432/tcp": {}, "8222/udp": {}}
    assert config["Volumes"] == {"/var/lib/postgresql/data": {}}
    assert config["StopSignal"] == "SIGINT"
    assert config["Labels"] == {"a": "1"}
    assert PARENT["Cmd"] == ["bash"]


def test_entrypoint_alone_clears_the_inherited_cmd() -> None:
    config = apply(PARENT, parse('ENTRYPOINT ["moto_server", "-H", "0.0.0.0"]').changes)
    assert config["Entrypoint"] == ["moto_server", "-H", "0.0.0.0"]
    assert config["Cmd"] is None


def test_shell_form_cmd_runs_through_sh() -> None:
    config = apply({}, parse("CMD nginx -g 'daemon off;'").changes)
    assert config["Cmd"] == ["/bin/sh", "-c", "nginx -g 'daemon off;'"]


def test_run_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigError) as caught:
        parse("FROM x\nRUN apt-get install -y curl\n", "recipes/x/Dockerfile")
    assert "recipes/x/Dockerfile: RUN" in str(caught.value)
    assert "setup.sh" in (caught.value.hint or "")


@pytest.mark.parametrize("name", sorted(n for n, spec in CATALOG.items() if not spec.registry_only))
def test_every_shipped_recipe_parses_and_copies_existing_files(name: str) -> None:
    spec = CATALOG[name]
    recipe = parse((spec.recipe / "Dockerfile").read_text(), name)
    assert recipe.adds_layer
    for source, _dest in recipe.copies:
        assert (spec.recipe / source).is_file(), source
    config = apply({}, recipe.changes)
    assert config.get("Cmd") or config.get("Entrypoint"), "an image must run something"
