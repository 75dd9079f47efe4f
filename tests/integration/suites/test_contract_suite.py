"""The contract suite on the dev replica, its history a throwaway project with a tagged release.

The project holds the reference app's contracts, migrations and contract tests, committed and
tagged v1.0.0; each test then changes what the next build would carry and runs the suite.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from greenroom.errors import SuiteError
from greenroom.release.ledger import entries
from greenroom.runtime import Replica
from greenroom.suites import resolve_target, run_suite
from tagged import git, release

APP = Path(__file__).parents[3] / "app"
EVENT = "app/contracts/events/orders.created.json"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose release v1.0.0 carried today's contracts and migrations.

    One per module: the suite imports the team's test modules by name, once per process.
    """
    root = tmp_path_factory.mktemp("contract") / "project"
    for folder in ("contracts", "migrations", "contract"):
        shutil.copytree(APP / folder, root / "app" / folder)
    (root / "envs").mkdir()
    release(root, "v1.0.0")
    return root


@pytest.fixture
def released(project: Path) -> Iterator[Path]:
    """The project as its release left it; what a test changes is undone after it."""
    yield project
    git(project, "checkout", "-q", "--", ".")
    git(project, "clean", "-q", "-fd", "--", "app")


def outcomes(junit: Path) -> dict[str, str]:
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        state = next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "passed")
        found[str(case.get("name"))] = state
    return found


def test_an_unchanged_build_passes_against_its_release(
    dev_replica: Replica, released: Path, tmp_path: Path
) -> None:
    target = resolve_target("dev")
    ledger, junit = tmp_path / "ledger.jsonl", tmp_path / "contract.xml"
    run = run_suite("contract", "dev", target=target, junit=junit, ledger=ledger, root=released)
    assert run.passed
    seen = outcomes(junit)
    assert seen["test_event_schema_is_compatible_with_every_release[orders.created]"] == "passed"
    assert seen["test_api_has_no_breaking_change"] == "passed"
    assert seen["test_published_events_match_their_schemas[orders.created]"] == "passed"
    assert seen["test_published_events_match_their_schemas[order.receipted]"] == "passed"
    assert [(e.suite, e.result) for e in entries(target.digest, ledger)] == [("contract", "pass")]


def test_a_removed_required_field_and_a_dropped_column_fail_naming_what_broke(
    dev_replica: Replica, released: Path, tmp_path: Path
) -> None:
    schema = json.loads((released / EVENT).read_text())
    del schema["properties"]["customer"]
    schema["required"].remove("customer")
    (released / EVENT).write_text(json.dumps(schema))
    (released / "app/migrations/0002_drop_customer.sql").write_text(
        "ALTER TABLE orders DROP COLUMN customer;\n"
    )
    target = resolve_target("dev")
    ledger, junit = tmp_path / "ledger.jsonl", tmp_path / "contract.xml"
    with pytest.raises(SuiteError) as failed:
        run_suite("contract", "dev", target=target, junit=junit, ledger=ledger, root=released)
    message = f"{failed.value}\n{failed.value.details}"
    assert (
        "orders.created on ORDERS breaks FULL against v1.0.0: field `customer`: required field "
        "removed [required-field-removed]" in message
    )
    assert "app/migrations/0002_drop_customer.sql:1:" in message
    assert "[ban-drop-column, error]" in message
    assert "0001_orders.sql" not in message, "only migrations the release did not carry"
    assert [(e.suite, e.result) for e in entries(target.digest, ledger)] == [("contract", "fail")]


def test_a_breaking_api_change_is_reported(
    dev_replica: Replica, released: Path, tmp_path: Path
) -> None:
    path = released / "app/contracts/openapi.json"
    document = json.loads(path.read_text())
    new_order = document["components"]["schemas"]["NewOrder"]
    new_order["properties"]["coupon"] = {"type": "string"}
    new_order["required"].append("coupon")
    path.write_text(json.dumps(document))
    with pytest.raises(SuiteError) as failed:
        run_suite(
            "contract",
            "dev",
            target=resolve_target("dev"),
            junit=tmp_path / "contract.xml",
            ledger=tmp_path / "ledger.jsonl",
            root=released,
        )
    assert (
        "POST /orders request body field `coupon`: required field added [required-field-added]"
        in failed.value.details
    )
