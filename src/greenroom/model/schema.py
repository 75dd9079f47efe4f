"""The JSON Schema of env files, so editors' YAML language servers check envs/*.yaml as you type."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from greenroom.components import kinds
from greenroom.model.environment import Environment
from greenroom.paths import project_root

SCHEMA_FILE = "greenroom.schema.json"
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _loosen(node: Any) -> Any:
    """Drop `required`: an env file is one layer, and any key may come from another layer."""
    if isinstance(node, dict):
        return {k: _loosen(v) for k, v in node.items() if k != "required"}
    if isinstance(node, list):
        return [_loosen(v) for v in node]
    return node


def json_schema() -> dict[str, Any]:
    """The schema of one env file (a layer): the Environment's shape, every key optional.

    Components are keyed by name; a component named after its kind (`redis:`) needs no `kind:`.
    """
    schema = Environment.model_json_schema(by_alias=True, mode="validation")
    defs = schema["$defs"]
    refs = {
        kind: f"#/$defs/{name}"
        for name, d in defs.items()
        for kind in kinds()
        if d.get("properties", {}).get("kind", {}).get("const") == kind
    }
    components = schema["properties"]["components"]
    components["properties"] = {kind: {"$ref": refs[kind]} for kind in kinds()}
    any_kind = {"anyOf": [{"$ref": refs[k]} for k in kinds()]}
    components["patternProperties"] = dict.fromkeys(
        components.get("patternProperties", {}), any_kind
    )
    schema["properties"] = {
        "extends": {
            "type": "string",
            "description": "Another environment whose file this one layers on (after base.yaml).",
        },
        **schema["properties"],
    }
    schema["description"] = (
        "One layer of a greenroom environment: envs/base.yaml, or envs/<name>.yaml on top of it."
    )
    return {"$schema": _DIALECT, **_loosen(schema)}


def schema_text() -> str:
    """The schema as committed to envs/: stable key order, two-space indents, final newline."""
    return json.dumps(json_schema(), indent=2) + "\n"


def write_schema(output: str | None = None) -> Path | None:
    """Write the schema to envs/greenroom.schema.json, to ``output``, or to stdout with '-'."""
    text = schema_text()
    if output == "-":
        sys.stdout.write(text)
        return None
    path = Path(output) if output else project_root() / "envs" / SCHEMA_FILE
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return path
