"""The API diff reports what an existing client would meet; squawk findings take the model's
severity, and only migrations the last release did not carry are linted."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from greenroom.model.types import MigrationLint
from greenroom.suites.contract.history import carried, releases
from greenroom.suites.contract.migrations import argv, lint, new_migrations
from greenroom.suites.contract.openapi import diff
from tagged import git, release

API: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/items": {
            "post": {
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}
                },
                "responses": {
                    "201": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Out"}}
                        }
                    }
                },
            }
        },
        "/items/{id}": {"get": {"responses": {"200": {"description": "ok"}}}},
    },
    "components": {
        "schemas": {
            "In": {"type": "object", "properties": {"name": {"type": "string"}}},
            "Out": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                "required": ["id"],
            },
        }
    },
}


def rules(new: dict[str, Any]) -> set[str]:
    return {f"{b.where}:{b.rule}" for b in diff(API, new)}


def test_an_unchanged_or_additive_api_has_no_breaking_change() -> None:
    assert diff(API, API) == []
    grown = copy.deepcopy(API)
    grown["paths"]["/other"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    grown["components"]["schemas"]["Out"]["properties"]["extra"] = {"type": "string"}
    grown["components"]["schemas"]["In"]["properties"]["note"] = {"type": "string"}
    assert diff(API, grown) == []


def test_gone_paths_operations_and_success_responses_break_clients() -> None:
    gone = copy.deepcopy(API)
    del gone["paths"]["/items/{id}"]
    del gone["paths"]["/items"]["post"]["responses"]["201"]
    gone["paths"]["/items"]["post"]["responses"]["200"] = {"description": "ok"}
    assert rules(gone) == {
        "GET /items/{id}:path-removed",
        "POST /items response 201:response-removed",
    }


def test_requests_are_judged_as_the_server_reads_them_responses_as_clients_do() -> None:
    changed = copy.deepcopy(API)
    schemas = changed["components"]["schemas"]
    schemas["In"]["required"] = ["name"]
    schemas["Out"]["required"] = []
    changed["paths"]["/items/{id}"]["get"]["parameters"] = [
        {"name": "view", "in": "query", "required": True, "schema": {"type": "string"}}
    ]
    assert rules(changed) == {
        "POST /items request body field `name`:field-made-required",
        "POST /items response 201 field `id`:required-field-made-optional",
        "GET /items/{id} query parameter `view`:required-parameter-added",
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "db").mkdir()
    (tmp_path / "db/0001_init.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY);\n")
    (tmp_path / "event.json").write_text('{"type": "object"}')
    release(tmp_path, "v1.0.0")
    (tmp_path / "event.json").write_text('{"type": "object", "required": ["id"]}')
    release(tmp_path, "v1.1.0")
    git(tmp_path, "tag", "nightly")
    return tmp_path


def test_releases_are_the_matching_tags_and_each_distinct_version_is_kept(project: Path) -> None:
    assert [r.tag for r in releases(project, "v*")] == ["v1.0.0", "v1.1.0"]
    assert [tag for tag, _ in carried(project, "v*", "event.json")] == ["v1.0.0", "v1.1.0"]
    assert carried(project, "v*", "missing.json") == []


def test_only_migrations_new_since_the_last_release_are_linted(project: Path) -> None:
    (project / "db/0002_drop.sql").write_text("ALTER TABLE t DROP COLUMN name;\n")
    spec = MigrationLint(path="db")
    assert new_migrations(project, spec, releases(project, "v*")[-1]) == ["db/0002_drop.sql"]
    assert new_migrations(project, spec, None) == ["db/0001_init.sql", "db/0002_drop.sql"]


def test_squawk_findings_take_the_models_severity(project: Path) -> None:
    (project / "db/0002_drop.sql").write_text(
        "SET lock_timeout = '1s';\nSET statement_timeout = '5s';\n"
        "ALTER TABLE t DROP COLUMN IF EXISTS name;\n"
    )
    strict = lint(project, MigrationLint(path="db"), ["db/0002_drop.sql"])
    assert [(f.rule, f.severity, f.line) for f in strict] == [("ban-drop-column", "error", 3)]
    relaxed = MigrationLint(path="db", rules={"ban-drop-column": "warning"})
    assert [(f.rule, f.severity) for f in lint(project, relaxed, ["db/0002_drop.sql"])] == [
        ("ban-drop-column", "warning")
    ]
    off = MigrationLint(path="db", rules={"ban-drop-column": "off"})
    assert lint(project, off, ["db/0002_drop.sql"]) == []
    assert "--exclude=ban-drop-column" in argv(off, [])


def test_a_topic_message_is_typed_by_its_attribute_its_body_or_the_only_declared_type() -> None:
    from greenroom.components.aws.capture import subject_of

    declared = ["thing.made", "thing.gone"]
    by_attribute = {"MessageAttributes": {"event": {"Type": "String", "Value": "thing.gone"}}}
    assert subject_of(by_attribute, declared) == "thing.gone"
    assert subject_of({"Message": '{"type": "thing.made"}'}, declared) == "thing.made"
    assert subject_of({"Message": "plain text"}, ["thing.made"]) == "thing.made"
    assert subject_of({"Message": "plain text"}, declared) == ""
