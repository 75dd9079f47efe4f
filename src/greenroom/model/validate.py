"""Pydantic's validation errors, turned into problems a person can act on, at file:line:column."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from greenroom.components import kinds
from greenroom.model.environment import Environment
from greenroom.model.problems import KeyPath, Pos, Problem, format_path, listing, suggest
from greenroom.model.types import NAME

_DURATION_PATTERN = r"^(\d+)(s|m|h|d)$"
_SCALARS = {"str": "a string", "int": "a number", "float": "a number", "bool": "true or false"}


class Locator:
    """Finds where a key path was written, falling back to the nearest enclosing entry.

    A scalar is shown at its value; a mapping or list at its key, where a reader looks for it.
    """

    def __init__(
        self, values: Mapping[KeyPath, Pos], keys: Mapping[KeyPath, Pos], root: Pos, data: Any
    ) -> None:
        self.values, self.keys, self.root, self.data = values, keys, root, data

    def value(self, path: KeyPath) -> Pos:
        for size in range(len(path), -1, -1):
            here = path[:size]
            if here in self.values:
                collection = isinstance(_at(self.data, here), dict | list)
                return self.keys[here] if collection and here in self.keys else self.values[here]
        return self.root

    def key(self, path: KeyPath) -> Pos:
        return self.keys.get(path) or self.value(path)


def _unwrap(annotation: Any, data: Any) -> Any:
    """Strip Annotated/Optional; pick the union member that fits ``data`` (by `kind`, or shape)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            kind = data.get("kind") if isinstance(data, dict) else None
            chosen = [
                m
                for m in models
                if m.model_fields.get("kind") and m.model_fields["kind"].default == kind
            ]
            if chosen:
                annotation = chosen[0]
            elif isinstance(data, dict) and models:
                annotation = models[0]
            else:
                annotation = members[0]
        else:
            return annotation


def fields_at(path: KeyPath, data: Any) -> list[str]:
    """The keys the model allows in the mapping at ``path`` (for "did you mean" suggestions)."""
    annotation: Any = Environment
    here = data
    for part in path:
        annotation = _unwrap(annotation, here)
        here = (
            here.get(part)
            if isinstance(here, dict)
            else (
                here[part]
                if isinstance(here, list)
                and isinstance(part, int)
                and -len(here) <= part < len(here)
                else None
            )
        )
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part)) or next(
                (f for f in annotation.model_fields.values() if f.alias == part), None
            )
            if field is None:
                return []
            annotation = field.annotation
        elif typing.get_origin(annotation) in (dict, list):
            annotation = typing.get_args(annotation)[-1]
            if isinstance(here, dict) and "kind" not in here:
                here = {**here, "kind": part}
        else:
            return []
    annotation = _unwrap(annotation, here)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return []


def _split(
    loc: tuple[int | str, ...], data: Any, *, tail_tag: bool
) -> tuple[KeyPath, list[tuple[int, str]]]:
    """Separate the key path in the data from the union/discriminator tags pydantic adds to locs.

    Each tag comes with the depth in the key path where it appeared. A last loc part absent from
    the data is a missing key, unless ``tail_tag`` says the error is about a value (then it is a
    union branch such as `str` or `SecretRef`).
    """
    path: list[str | int] = []
    tags: list[tuple[int, str]] = []
    here = data
    for i, part in enumerate(loc):
        inside_list = isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here)
        if (isinstance(here, dict) and part in here) or inside_list:
            here = here[part]
        elif isinstance(part, str) and (i < len(loc) - 1 or tail_tag):
            tags.append((len(path), part))
            continue
        else:
            here = None
        path.append(part)
    return tuple(path), tags


def _at(data: Any, path: KeyPath) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and -len(data) <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    kind = {bool: "boolean", int: "number", float: "number", str: "string"}.get(
        type(value), "value"
    )
    text = ("true" if value else "false") if isinstance(value, bool) else repr(value)
    return f"the {kind} {text if len(text) <= 40 else text[:37] + '...'}"


_EXPECTED = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}


def _message(error: ErrorDetails, path: KeyPath, data: Any) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "extra_forbidden":
        allowed = fields_at(path[:-1], data)
        hint = suggest(str(path[-1]), allowed) or (
            f"; allowed: {listing(allowed)}" if allowed else ""
        )
        return f"unknown key{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        if pattern == NAME:
            return (
                f"{value!r} is not a valid name: lowercase letters, digits and dashes, "
                "starting with a letter"
            )
        if pattern == _DURATION_PATTERN:
            return f"{value!r} is not a duration like 30s, 5m, 2h or 14d"
        return f"{value!r} does not match the pattern {pattern}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
        return (
            f"{_describe(value)} is not allowed; expected {expected}{suggest(str(value), options)}"
        )
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag"))
        return (
            f"unknown component kind {tag!r}; kinds: {', '.join(kinds())} (name the "
            f"component after its kind or add kind:){suggest(tag, kinds())}"
        )
    if kind in _EXPECTED:
        got = _describe(value)
        if _EXPECTED[kind] in ("a mapping", "a list") and not isinstance(value, dict | list):
            got = "a single value"
        return f"expected {_EXPECTED[kind]}, got {got}"
    if kind in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    message = str(error["msg"])
    return message[:1].lower() + message[1:]


def problems_from(exc: ValidationError, data: Any, where: Locator) -> list[Problem]:
    """One problem per pydantic error; a union's failed branches folded into one 'expected' line."""
    unions: dict[KeyPath, list[str]] = {}
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        of_key = loc[-1:] == ("[key]",)
        path, tags = _split(loc[:-1] if of_key else loc, data, tail_tag=error["type"] != "missing")
        branches = [(depth, tag) for depth, tag in tags if tag not in kinds()]
        if branches:
            depth, tag = branches[0]
            if not isinstance(_at(data, path[:depth]), dict):
                unions.setdefault(path[:depth], []).append(tag)
                continue
            if tag in _SCALARS:
                continue
        kind = error["type"]
        if kind == "extra_forbidden" or of_key:
            pos = where.key(path)
        elif kind == "union_tag_invalid":
            spec = _at(data, path)
            explicit = isinstance(spec, dict) and "kind" in spec
            pos = where.value((*path, "kind")) if explicit else where.key(path)
        elif kind in _EXPECTED:
            pos = where.values.get(path) or where.value(path)
        else:
            pos = where.value(path[:-1] if kind == "missing" else path)
        problems.append(Problem(pos, format_path(path), _message(error, path, data)))
    for path, names in unions.items():
        forms = [
            _SCALARS.get(t, "{secret: <name>}" if t == "SecretRef" else f"a {t} mapping")
            for t in dict.fromkeys(names)
        ]
        got = _describe(_at(data, path))
        problems.append(
            Problem(
                where.value(path), format_path(path), f"expected {' or '.join(forms)}, got {got}"
            )
        )
    return problems
