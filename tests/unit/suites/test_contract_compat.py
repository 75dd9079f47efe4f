"""Compatibility modes follow the Schema Registry's table; each break names its field and rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from greenroom.suites.contract.compat import Version, breaks, check, mode_directions

EVENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "quantity": {"type": "integer", "minimum": 1},
        "note": {"type": "string"},
        "state": {"enum": ["new", "done"]},
    },
    "required": ["id", "quantity"],
}


def changed(**edits: Any) -> dict[str, Any]:
    schema = copy.deepcopy(EVENT)
    for key, value in edits.items():
        if key == "drop":
            for name in value:
                schema["properties"].pop(name)
                if name in schema["required"]:
                    schema["required"].remove(name)
        elif key == "add":
            schema["properties"].update(value)
        elif key == "require":
            schema["required"] = [*schema["required"], *value]
        else:
            schema["properties"][key] = value
    return schema


def rules(new: dict[str, Any], mode: str, history: list[dict[str, Any]] | None = None) -> set[str]:
    versions = [Version(f"v{i}", s) for i, s in enumerate(history or [EVENT])]
    return {f"{b.field}:{b.rule}" for v in check(versions, new, mode) for b in v.breaks}


# The registry's table: BACKWARD deletes fields and adds optional ones; FORWARD adds fields and
# deletes optional ones; FULL only adds or deletes optional ones.
@pytest.mark.parametrize(
    ("new", "backward", "forward"),
    [
        (changed(add={"extra": {"type": "string"}}), set(), set()),
        (
            changed(add={"extra": {"type": "string"}}, require=["extra"]),
            {"extra:required-field-added"},
            set(),
        ),
        (changed(drop=["note"]), set(), set()),
        (changed(drop=["id"]), set(), {"id:required-field-removed"}),
        (changed(require=["note"]), {"note:field-made-required"}, set()),
    ],
    ids=["add-optional", "add-required", "delete-optional", "delete-required", "make-required"],
)
def test_the_registry_table(new: dict[str, Any], backward: set[str], forward: set[str]) -> None:
    assert rules(new, "BACKWARD") == backward
    assert rules(new, "FORWARD") == forward
    assert rules(new, "FULL") == backward | forward
    assert rules(new, "NONE") == set()


def test_a_removed_required_field_is_named_with_its_rule() -> None:
    [verdict] = check([Version("v1.0.0", EVENT)], changed(drop=["quantity"]), "FULL")
    assert verdict.against == "v1.0.0" and verdict.mode == "FULL"
    assert [str(b) for b in verdict.breaks] == [
        "field `quantity`: required field removed [required-field-removed]"
    ]


def test_a_type_change_breaks_both_ways_and_integer_widens_to_number() -> None:
    assert rules(changed(quantity={"type": "string"}), "BACKWARD") == {"quantity:type-changed"}
    assert rules(changed(quantity={"type": "string"}), "FORWARD") == {"quantity:type-changed"}
    assert rules(changed(quantity={"type": "number", "minimum": 1}), "BACKWARD") == set()
    assert rules(changed(quantity={"type": "number", "minimum": 1}), "FORWARD") == {
        "quantity:type-changed"
    }


def test_narrowed_values_and_ranges_break_the_reader_that_narrowed() -> None:
    fewer = changed(state={"enum": ["new"]})
    assert rules(fewer, "BACKWARD") == {"state:enum-changed"}
    assert rules(fewer, "FORWARD") == set()
    tighter = changed(quantity={"type": "integer", "minimum": 5})
    assert rules(tighter, "BACKWARD") == {"quantity:range-narrowed"}
    assert rules(tighter, "FORWARD") == set()


def test_a_closed_object_refuses_what_it_does_not_declare() -> None:
    closed = copy.deepcopy(EVENT) | {"additionalProperties": False}
    assert rules(
        changed(drop=["note"]) | {"additionalProperties": False}, "BACKWARD", [closed]
    ) == {"note:field-removed-from-closed-object"}
    added = changed(add={"extra": {"type": "string"}})
    assert rules(added | {"additionalProperties": False}, "FORWARD", [closed]) == {
        "extra:field-added-to-closed-object"
    }
    assert rules(added, "FORWARD", [closed]) == {
        ":content-model-opened",
        "extra:field-added-to-closed-object",
    }


def test_nested_objects_array_items_and_local_refs_are_followed() -> None:
    old = {
        "$defs": {"line": {"type": "object", "properties": {"sku": {"type": "string"}}}},
        "type": "object",
        "properties": {"lines": {"type": "array", "items": {"$ref": "#/$defs/line"}}},
    }
    new = copy.deepcopy(old)
    new["$defs"]["line"]["required"] = ["sku"]
    assert {f"{b.field}:{b.rule}" for b in breaks(old, new, "backward")} == {
        "lines[].sku:field-made-required"
    }


def test_transitive_modes_hold_against_every_version_the_others_against_the_latest() -> None:
    v1 = changed(add={"legacy": {"type": "string"}}, require=["legacy"])
    history = [v1, EVENT]
    assert rules(EVENT, "FORWARD", history) == set()
    assert rules(EVENT, "FORWARD_TRANSITIVE", history) == {"legacy:required-field-removed"}
    verdicts = check([Version("v1", v1), Version("v2", EVENT)], EVENT, "FULL_TRANSITIVE")
    assert [v.against for v in verdicts] == ["v1", "v2"]


def test_no_history_means_nothing_to_break_and_an_unknown_mode_is_refused() -> None:
    assert check([], EVENT, "FULL") == []
    assert mode_directions("FULL_TRANSITIVE") == (("backward", "forward"), True)
    with pytest.raises(ValueError, match="unknown compatibility mode 'STRICT'"):
        mode_directions("STRICT")
