"""Strict YAML reading that remembers where every key and value was written.

PyYAML's composer gives nodes with marks; we build plain Python values from them ourselves so that
duplicate keys, non-string keys and unknown tags become problems with a file:line:column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from greenroom.model.problems import KeyPath, ModelError, Pos, Problem, format_path

RESET = "!reset"
APPEND = "!append"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SCALAR_TAGS = {
    _STR,
    _TIMESTAMP,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
MAX_NODES = 20_000
MAX_DEPTH = 40


class Reset(dict[str, Any]):
    """A mapping tagged `!reset`: replaces the lower layer's mapping instead of merging into it."""


class Append(list[Any]):
    """A list tagged `!append`: extends the lower layer's list instead of replacing it."""


class ListPatch(dict[int, Any]):
    """An override of single list items (`--set queues[0].fifo=true`), merged item by item."""


@dataclass
class Layer:
    """One source's values plus where each value and each mapping key was written."""

    data: dict[str, Any]
    origin: Pos
    values: dict[KeyPath, Pos] = field(default_factory=dict)
    keys: dict[KeyPath, Pos] = field(default_factory=dict)


@dataclass
class _Reader:
    source: str
    problems: list[Problem] = field(default_factory=list)
    budget: int = MAX_NODES
    values: dict[KeyPath, Pos] = field(default_factory=dict)
    keys: dict[KeyPath, Pos] = field(default_factory=dict)
    constructor: yaml.constructor.SafeConstructor = field(
        default_factory=yaml.constructor.SafeConstructor
    )

    def pos(self, node: Node) -> Pos:
        mark = node.start_mark
        return Pos(self.source, mark.line + 1, mark.column + 1)

    def problem(self, node: Node, path: KeyPath, message: str) -> None:
        self.problems.append(Problem(self.pos(node), format_path(path), message))

    def value(self, node: Node, path: KeyPath) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise ModelError([Problem(self.pos(node), format_path(path), _TOO_BIG)])
        if len(path) > MAX_DEPTH:
            raise ModelError([Problem(self.pos(node), format_path(path), "nested too deeply")])
        self.values[path] = self.pos(node)
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        if isinstance(node, SequenceNode):
            if node.tag not in (_SEQ, APPEND):
                self.problem(node, path, _bad_tag(node.tag, "a list", APPEND))
            items = [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
            return Append(items) if node.tag == APPEND else items
        return self.scalar(node, path)

    def scalar(self, node: Node, path: KeyPath) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self.problem(node, path, _bad_tag(node.tag, "a value", None))
            return None
        if node.tag == _TIMESTAMP:
            return str(node.value)
        return self.constructor.construct_object(node)

    def mapping(self, node: MappingNode, path: KeyPath) -> dict[str, Any]:
        if node.tag not in (_MAP, RESET):
            self.problem(node, path, _bad_tag(node.tag, "a mapping", RESET))
        out: dict[str, Any] = Reset() if node.tag == RESET else {}
        seen: dict[str, Pos] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.update(self.merge_key(value_node, path))
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            if key in seen:
                first = seen[key]
                self.problem(
                    key_node, (*path, key), f"duplicate key (first written at line {first.line})"
                )
                continue
            seen[key] = self.pos(key_node)
            self.keys[(*path, key)] = self.pos(key_node)
            out[key] = self.value(value_node, (*path, key))
        for key, value in merged.items():
            out.setdefault(key, value)
        return out

    def key(self, node: Node, path: KeyPath) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag not in _SCALAR_TAGS:
            self.problem(node, path, "a key must be a plain name, not a list, mapping or tag")
            return None
        key = str(node.value) if node.tag == _TIMESTAMP else self.constructor.construct_object(node)
        if isinstance(key, str):
            return key
        kind = "boolean" if isinstance(key, bool) else "null" if key is None else "number"
        self.problem(
            node, path, f"key {node.value!r} reads as a {kind}; quote it: '{node.value}': ..."
        )
        return None

    def merge_key(self, node: Node, path: KeyPath) -> dict[str, Any]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in sources:
            if not isinstance(source, MappingNode):
                self.problem(source, path, "`<<` merges mappings only: write `<<: *anchor`")
                continue
            values, keys = dict(self.values), dict(self.keys)
            for key, value in self.mapping(source, path).items():
                merged.setdefault(key, value)
            self.values, self.keys = {**self.values, **values}, {**self.keys, **keys}
        return merged


_TOO_BIG = f"document too large (more than {MAX_NODES} values; an alias expanding too often?)"


def _bad_tag(tag: str, what: str, allowed: str | None) -> str:
    extra = f"; on {what} only {allowed} is understood" if allowed else ""
    return f"unsupported tag {tag.replace('tag:yaml.org,2002:', '!!')!r}{extra}"


def read_yaml(text: str, source: str) -> Layer:
    """Parse one YAML document into a Layer; every problem becomes a ModelError."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise ModelError([_syntax_problem(exc, source)]) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        message = "nested too deeply" if isinstance(exc, RecursionError) else "invalid YAML"
        raise ModelError([Problem(Pos(source), "", message)]) from None
    if node is None:
        raise ModelError(
            [Problem(Pos(source), "", "the file is empty; expected a mapping of settings")],
            hint="write at least one setting, e.g. `description: ...`, or delete the file",
        )
    reader = _Reader(source)
    try:
        data = reader.value(node, ())
    except (RecursionError, ValueError):
        raise ModelError(
            [Problem(reader.pos(node), "", "a value is too long or nested too deeply")]
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise ModelError([_syntax_problem(exc, source)]) from None
    if not reader.problems and not isinstance(data, dict):
        kind = "list" if isinstance(data, list) else "single value"
        reader.problem(node, (), f"the top level is a {kind}; expected a mapping of settings")
    if reader.problems:
        raise ModelError(reader.problems)
    return Layer(dict(data), reader.pos(node), reader.values, reader.keys)


def read_value(text: str, source: str) -> tuple[Any, dict[KeyPath, Pos], dict[KeyPath, Pos]]:
    """Parse an override's value (`true`, `5m`, `[a, b]`, `{generate: true}`).

    Returns the value and where its parts were written, keyed relative to the value itself.
    """
    reader = _Reader(source)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader) if text.strip() else None
        data = None if node is None else reader.value(node, ())
    except yaml.MarkedYAMLError as exc:
        raise ModelError([_syntax_problem(exc, source)]) from None
    except (yaml.YAMLError, RecursionError, ValueError):
        raise ModelError([Problem(Pos(source), "", "invalid YAML value")]) from None
    if reader.problems:
        raise ModelError(reader.problems)
    return data, reader.values, reader.keys


def _syntax_problem(exc: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    pos = Pos(source, mark.line + 1, mark.column + 1) if mark else Pos(source)
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    if "'\\t'" in problem:
        problem = "a tab character; YAML indents with spaces only"
    elif exc.context and exc.problem:
        problem = f"{exc.context.strip()}: {problem}"
    if "block" in problem:
        problem += " (check this line's indentation)"
    return Problem(pos, "", f"invalid YAML: {problem}")
