"""Schema compatibility as Confluent Schema Registry judges it, each break named by field and rule.

A reader must accept whatever a writer may send. BACKWARD: the new schema reads data written with
the old (consumers upgrade first: fields may be deleted, optional fields added). FORWARD: the old
schema reads data written with the new (producers upgrade first: fields may be added, optional
fields deleted). FULL: both. The ``_TRANSITIVE`` forms hold against every earlier version, the
others against the latest. As in the registry's table, a reader ignores a property it does not
declare unless its object is closed (``additionalProperties: false``).

Checked: types (``integer`` reads as ``number``), ``const`` and ``enum``, required and declared
properties, closed objects, ``items``, and the numeric, length and size bounds; local ``$ref``
pointers are followed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Direction = Literal["backward", "forward"]
Schema = Mapping[str, Any]

DIRECTIONS: dict[str, tuple[Direction, ...]] = {
    "BACKWARD": ("backward",),
    "FORWARD": ("forward",),
    "FULL": ("backward", "forward"),
    "NONE": (),
}

LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


@dataclass(frozen=True)
class Break:
    """One change that makes data of one side unreadable by the other."""

    field: str
    """Dotted path of the property (``""`` for the document itself, ``[]`` for array items)."""
    rule: str
    detail: str
    direction: Direction

    def __str__(self) -> str:
        where = f"field `{self.field}`" if self.field else "the document"
        return f"{where}: {self.detail} [{self.rule}]"


@dataclass(frozen=True)
class Version:
    """One earlier schema and where it came from (a release tag, a commit)."""

    label: str
    schema: Schema


@dataclass(frozen=True)
class Verdict:
    """The breaks found against one earlier version under one mode."""

    mode: str
    against: str
    breaks: tuple[Break, ...]


def resolve(node: Any, root: Schema) -> Any:
    """``node`` with its local ``$ref`` (``#/components/schemas/X``) followed, however deep."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return {}
        seen.add(ref)
        target: Any = root
        for part in ref[2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            target = target.get(key, {}) if isinstance(target, Mapping) else {}
        node = target
    return node if isinstance(node, Mapping) else {}


def _types(schema: Schema) -> set[str] | None:
    """The JSON types a schema admits; None for any."""
    declared = schema.get("type")
    if declared is None:
        if "const" in schema:
            return {_type_of(schema["const"])}
        if isinstance(schema.get("enum"), list):
            return {_type_of(v) for v in schema["enum"]}
        return None
    found = {declared} if isinstance(declared, str) else set(declared)
    return found | {"number"} if "integer" in found and "number" in found else found


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _values(schema: Schema) -> list[Any] | None:
    """The values a schema allows by ``const``/``enum``; None when it does not list them."""
    if "const" in schema:
        return [schema["const"]]
    listed = schema.get("enum")
    return list(listed) if isinstance(listed, list) else None


def _shown(types: set[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def _covers(reader: set[str] | None, writer: set[str] | None) -> bool:
    if reader is None:
        return True
    if writer is None:
        return False
    return all(t in reader or (t == "integer" and "number" in reader) for t in writer)


class _Walk:
    """Everything ``writer``-valid data may hold that ``reader`` rejects, phrased as old -> new."""

    def __init__(self, direction: Direction, reader_root: Schema, writer_root: Schema) -> None:
        self.direction = direction
        self.roots = (reader_root, writer_root)

    def old_new(self, reader: Any, writer: Any) -> tuple[Any, Any]:
        return (writer, reader) if self.direction == "backward" else (reader, writer)

    def breaks(self, reader: Any, writer: Any, path: str) -> Iterator[Break]:
        reader, writer = resolve(reader, self.roots[0]), resolve(writer, self.roots[1])
        changed = list(self._type(reader, writer, path))
        yield from changed
        if not changed:
            yield from self._values(reader, writer, path)
            yield from self._bounds(reader, writer, path)
        yield from self._object(reader, writer, path)
        if "items" in reader or "items" in writer:
            yield from self.breaks(reader.get("items", {}), writer.get("items", {}), f"{path}[]")

    def _break(self, path: str, rule: str, detail: str) -> Break:
        return Break(path, rule, detail, self.direction)

    def _changed(
        self, path: str, rule: str, what: str, read: Any, written: Any, unset: str
    ) -> Break:
        """``what changed from <old> to <new>``, with ``unset`` for a side that does not say."""
        old, new = self.old_new(read, written)
        shown = [unset if v is None else v for v in (old, new)]
        return self._break(path, rule, f"{what} changed from {shown[0]} to {shown[1]}")

    def _type(self, reader: Schema, writer: Schema, path: str) -> Iterator[Break]:
        want, have = _types(reader), _types(writer)
        if not _covers(want, have):
            old, new = self.old_new(want, have)
            yield self._break(
                path, "type-changed", f"type changed from {_shown(old)} to {_shown(new)}"
            )

    def _values(self, reader: Schema, writer: Schema, path: str) -> Iterator[Break]:
        allowed, sent = _values(reader), _values(writer)
        if allowed is None:
            return
        lost = [v for v in (sent or []) if v not in allowed]
        if sent is None or lost:
            yield self._changed(path, "enum-changed", "allowed values", allowed, sent, "any")

    def _bounds(self, reader: Schema, writer: Schema, path: str) -> Iterator[Break]:
        for key in (*LOWER_BOUNDS, *UPPER_BOUNDS):
            limit = reader.get(key)
            if not isinstance(limit, int | float) or isinstance(limit, bool):
                continue
            sent = writer.get(key)
            lower = key in LOWER_BOUNDS
            narrower = sent is None or (sent < limit if lower else sent > limit)
            if narrower:
                yield self._changed(path, "range-narrowed", key, limit, sent, "none")

    def _object(self, reader: Schema, writer: Schema, path: str) -> Iterator[Break]:
        props_r: Mapping[str, Any] = reader.get("properties") or {}
        props_w: Mapping[str, Any] = writer.get("properties") or {}
        need_r, need_w = set(reader.get("required") or ()), set(writer.get("required") or ())
        prefix = f"{path}." if path else ""
        for name in sorted(need_r - need_w):
            yield self._required(f"{prefix}{name}", declared=name in props_w)
        if reader.get("additionalProperties") is False:
            if writer.get("additionalProperties") is not False:
                yield self._break(
                    path,
                    "content-model-closed"
                    if self.direction == "backward"
                    else "content-model-opened",
                    "additionalProperties: false on one side only, so unknown fields are refused",
                )
            for name in sorted(set(props_w) - set(props_r)):
                if self.direction == "backward":
                    yield self._break(
                        f"{prefix}{name}",
                        "field-removed-from-closed-object",
                        "removed although the object refuses unknown fields",
                    )
                else:
                    yield self._break(
                        f"{prefix}{name}",
                        "field-added-to-closed-object",
                        "added although old readers refuse unknown fields",
                    )
        for name in sorted(set(props_r) & set(props_w)):
            yield from self.breaks(props_r[name], props_w[name], f"{prefix}{name}")

    def _required(self, path: str, *, declared: bool) -> Break:
        if self.direction == "backward":
            if declared:
                return self._break(path, "field-made-required", "optional field made required")
            return self._break(path, "required-field-added", "required field added")
        if declared:
            return self._break(path, "required-field-made-optional", "required field made optional")
        return self._break(path, "required-field-removed", "required field removed")


def breaks(
    old: Schema,
    new: Schema,
    direction: Direction,
    *,
    roots: tuple[Schema, Schema] | None = None,
) -> list[Break]:
    """What ``new`` breaks for ``old`` in one direction, one break per field and rule.

    ``roots``: the old and new documents their ``$ref`` pointers resolve in (default: themselves).
    """
    old_root, new_root = roots or (old, new)
    reader, writer = (new, old) if direction == "backward" else (old, new)
    walk = _Walk(
        direction, *((new_root, old_root) if direction == "backward" else (old_root, new_root))
    )
    found: dict[tuple[str, str], Break] = {}
    for item in walk.breaks(reader, writer, ""):
        found.setdefault((item.field, item.rule), item)
    return list(found.values())


def mode_directions(mode: str) -> tuple[tuple[Direction, ...], bool]:
    """The directions a mode checks and whether it holds against every version (transitive)."""
    base = mode.removesuffix("_TRANSITIVE")
    if base not in DIRECTIONS:
        raise ValueError(f"unknown compatibility mode {mode!r}; use one of {', '.join(DIRECTIONS)}")
    return DIRECTIONS[base], mode.endswith("_TRANSITIVE")


def check(history: Sequence[Version], new: Schema, mode: str) -> list[Verdict]:
    """``new`` against the history (oldest first) under ``mode``; a verdict per version checked."""
    directions, transitive = mode_directions(mode)
    if not directions or not history:
        return []
    against = list(history) if transitive else [history[-1]]
    verdicts = []
    for version in against:
        found: dict[tuple[str, str], Break] = {}
        for direction in directions:
            for item in breaks(version.schema, new, direction):
                found.setdefault((item.field, item.rule), item)
        verdicts.append(Verdict(mode, version.label, tuple(found.values())))
    return verdicts
