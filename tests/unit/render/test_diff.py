"""Parity between environments: exact rows, intended differences, strict mode."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from greenroom.errors import GreenroomError
from greenroom.model.environment import Environment
from greenroom.render.diff import Difference, diff, print_diff

BASE = {
    "project": "shop",
    "zones": {"app": {}, "data": {"internal": True}},
    "secrets": {"pg": {"generate": True}},
    "components": {
        "postgres": {"password": {"secret": "pg"}},
        "aws": {"queues": [{"name": "orders"}, {"name": "audit"}]},
    },
    "services": {"api": {"build": "app", "port": 8000, "depends_on": ["postgres"]}},
}


def env(name: str, **changes: object) -> Environment:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    for path, value in changes.items():
        node = data
        *parents, leaf = path.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return Environment.model_validate({"name": name, **data})


def test_exact_rows_for_a_small_pair():
    a = env("stage", services__api__replicas=2, intended_differences=["services.api.replicas"])
    b = env(
        "prod",
        services__api__replicas=3,
        components__postgres__read_replica=True,
        components__aws__queues=[{"name": "audit"}, {"name": "orders", "visibility_timeout": 60}],
        domains=["shop.example.com"],
        secrets={"pg": {"env": "PG_PASSWORD"}},
    )
    assert diff(a, b) == [
        Difference("components.aws.queues.orders.visibility_timeout", "30", "60", False),
        Difference("components.postgres.read_replica", "false", "true", False),
        Difference("domains", "[]", "shop.example.com", False),
        Difference("secrets.pg.env", "null", "PG_PASSWORD", False),
        Difference("secrets.pg.generate", "true", "false", False),
        Difference("services.api.replicas", "2", "3", True),
    ]


def test_lists_of_named_things_compare_by_name_not_position():
    a = env("a")
    b = env("b", components__aws__queues=[{"name": "audit"}, {"name": "orders"}])
    assert diff(a, b) == []


def test_a_missing_entry_is_one_row_and_a_prefix_marks_it_intended():
    a = env("a", intended_differences=["services"])
    b = env("b", services={})
    rows = diff(a, b)
    assert [(r.path, r.b, r.intended) for r in rows] == [("services.api", None, True)]
    assert rows[0].a == "declared"
    c = env("c", components={"postgres": BASE["components"]["postgres"]})
    assert [(r.path, r.a, r.b) for r in diff(a, c) if r.path.startswith("components")] == [
        ("components.aws", "declared (aws)", None)
    ]


def test_an_intended_entry_does_not_cover_a_sibling_that_shares_its_prefix():
    a = env("a", services__api__port=8001, intended_differences=["services.api.port"])
    b = env("b")
    assert diff(a, b)[0].intended is True
    c = env("c", services__api__port=8001, intended_differences=["services.api.p"])
    assert diff(c, b)[0].intended is False


def test_secret_values_never_appear_only_their_sources():
    a = env("a", secrets={"pg": {"env": "PG_PASSWORD"}})
    b = env("b", secrets={"pg": {"file": "/run/keys/pg"}})
    rendered = " ".join(f"{r.path} {r.a} {r.b}" for r in diff(a, b))
    assert "PG_PASSWORD" in rendered and "/run/keys/pg" in rendered


def write(root: Path, name: str, environment: Environment) -> None:
    data = environment.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    (root / "envs" / f"{name}.yaml").write_text(yaml.safe_dump(data))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "envs").mkdir()
    monkeypatch.setenv("GREENROOM_ROOT", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def test_print_diff_shows_the_parity_table(project, capsys):
    write(project, "stage", env("stage", services__api__replicas=2))
    write(project, "prod", env("prod", services__api__replicas=3))
    print_diff("stage", "prod")
    out = capsys.readouterr().out
    assert "key differences: stage vs prod" in out
    assert "services.api.replicas" in out
    assert "1 difference, 1 not declared as intended" in out


def test_strict_fails_on_an_unintended_difference(project):
    write(project, "stage", env("stage", services__api__replicas=2))
    write(project, "prod", env("prod", services__api__replicas=3))
    with pytest.raises(GreenroomError, match=r"services\.api\.replicas") as caught:
        print_diff("stage", "prod", strict=True)
    assert caught.value.exit_code == 1
    assert caught.value.hint and "intended_differences" in caught.value.hint


def test_strict_passes_when_every_difference_is_intended(project, capsys):
    intended = ["services.api.replicas"]
    write(project, "stage", env("stage", services__api__replicas=2))
    write(project, "prod", env("prod", services__api__replicas=3, intended_differences=intended))
    rows = print_diff("stage", "prod", strict=True)
    assert [r.intended for r in rows] == [True]
