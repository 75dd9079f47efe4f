"""Layering: base.yaml < envs/<name>.yaml < GREENROOM_* variables < --set overrides.

Merge rules (also in envs/README.md):

* mappings merge key by key, recursively;
* lists (and plain values) from a higher layer replace the lower layer's;
* ``null`` removes the key, so the setting falls back to its default;
* ``!reset {...}`` replaces a mapping wholesale instead of merging into it;
* ``!append [...]`` extends the lower layer's list instead of replacing it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from greenroom.model.problems import KeyPath, ModelError, Pos, Problem, format_path
from greenroom.model.source import Append, Layer, ListPatch, Reset, read_value

ENV_PREFIX = "GREENROOM_"


def plain(value: Any) -> Any:
    """Drop layering markers and null-valued keys: what the model validates."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _subtree(positions: Mapping[KeyPath, Pos], path: KeyPath) -> dict[KeyPath, Pos]:
    size = len(path)
    return {p: pos for p, pos in positions.items() if p[:size] == path}


def _shift(positions: Mapping[KeyPath, Pos], path: KeyPath, offset: int) -> dict[KeyPath, Pos]:
    """Renumber the list items under ``path`` by ``offset`` (for `!append`)."""
    size = len(path)
    out: dict[KeyPath, Pos] = {}
    for p, pos in positions.items():
        if len(p) > size and isinstance(p[size], int):
            out[(*path, int(p[size]) + offset, *p[size + 1 :])] = pos
        else:
            out[p] = pos
    return out


class Merger:
    """Accumulates layers, keeping for every key path the place its effective value came from."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.values: dict[KeyPath, Pos] = {}
        self.keys: dict[KeyPath, Pos] = {}
        self.problems: list[Problem] = []
        self.root = Pos("<defaults>")

    def add(self, layer: Layer) -> None:
        """Merge ``layer`` over everything added so far."""
        self.root = layer.origin
        self.data = self._merge(self.data, layer.data, (), layer)

    def _drop(self, path: KeyPath) -> None:
        size = len(path)
        self.values = {p: v for p, v in self.values.items() if p[:size] != path}
        self.keys = {p: v for p, v in self.keys.items() if p[:size] != path}

    def _take(self, layer: Layer, path: KeyPath, offset: int | None = None) -> None:
        values, keys = _subtree(layer.values, path), _subtree(layer.keys, path)
        if offset is not None:
            values, keys = _shift(values, path, offset), _shift(keys, path, offset)
        self.values.update(values)
        self.keys.update(keys)

    def _merge(self, low: Any, high: Any, path: KeyPath, layer: Layer) -> Any:
        if isinstance(high, ListPatch):
            return self._patch(low, high, path, layer)
        if isinstance(high, Append) and isinstance(low, list):
            self._take(layer, path, offset=len(low))
            if path in layer.values:
                self.values[path] = layer.values[path]
            return [*low, *plain(list(high))]
        if (
            isinstance(high, dict)
            and not isinstance(high, Reset)
            and (low is None or isinstance(low, dict))
        ):
            out = dict(low or {})
            if path in layer.values:
                self.values[path] = layer.values[path]
            for key, value in high.items():
                child = (*path, key)
                if value is None:
                    out.pop(key, None)
                    self._drop(child)
                    continue
                if child in layer.keys:
                    self.keys[child] = layer.keys[child]
                out[key] = self._merge(out.get(key), value, child, layer)
            return out
        self._drop(path)
        self._take(layer, path)
        return plain(high)

    def _patch(self, low: Any, high: ListPatch, path: KeyPath, layer: Layer) -> Any:
        if not isinstance(low, list):
            message = "there is no list here to index into"
            self.problems.append(Problem(layer.origin, format_path(path), message))
            return low
        out = list(low)
        for index, value in high.items():
            if not -len(out) <= index < len(out):
                message = f"index {index} is out of range (the list has {len(out)} items)"
                self.problems.append(Problem(layer.origin, format_path(path), message))
                continue
            index %= len(out)
            if value is None:
                message = "a list item cannot be removed with null; set the whole list instead"
                self.problems.append(Problem(layer.origin, format_path((*path, index)), message))
                continue
            out[index] = self._merge(out[index], value, (*path, index), layer)
        return out


def _norm(key: str) -> str:
    return key.lower().replace("-", "_")


def _resolve(data: Any, segments: Sequence[str], *, fold_case: bool) -> list[str | int]:
    """Spell each segment as the existing key it names (case, dashes), or as a list index."""
    path: list[str | int] = []
    here = data
    for segment in segments:
        if isinstance(here, list) and segment.lstrip("-").isdigit():
            path.append(int(segment))
            index = int(segment)
            here = here[index] if -len(here) <= index < len(here) else None
            continue
        key: str = segment.lower() if fold_case else segment
        if isinstance(here, dict):
            key = next((k for k in here if _norm(k) == _norm(segment)), key)
            here = here.get(key)
        else:
            here = None
        path.append(key)
    return path


def _nest(path: Sequence[str | int], value: Any) -> Any:
    for part in reversed(path):
        value = ListPatch({part: value}) if isinstance(part, int) else {part: value}
    return value


def override_layer(current: Mapping[str, Any], override: Override) -> Layer:
    """One override as a layer of its own; its key is dotted, with list indexes: `a.b[0].c`."""
    source, key, text, fold_case = override
    origin = Pos(source)
    segments = [s for s in key.replace("[", ".").replace("]", "").split(".")]
    if not key or any(not s for s in segments):
        raise ModelError(
            [Problem(origin, "", f"{key!r} is not a key path like components.redis.auth")],
            hint="write --set KEY=VALUE with a dotted key, e.g. --set exposure.publish=all",
        )
    path = _resolve(current, segments, fold_case=fold_case)
    value, values, keys = read_value(text, source)
    prefix = tuple(path)
    layer = Layer(
        _nest(path, value),
        origin,
        {(*prefix, *p): pos for p, pos in values.items()},
        {(*prefix, *p): pos for p, pos in keys.items()},
    )
    for depth in range(len(prefix)):
        layer.values.setdefault(prefix[:depth], origin)
        layer.keys.setdefault(prefix[: depth + 1], origin)
    return layer


Override = tuple[str, str, str, bool]
"""(source shown in messages, dotted key, value text, whether keys match case-insensitively)."""


def env_overrides(environ: Mapping[str, str], fields: Sequence[str]) -> list[Override]:
    """`GREENROOM_COMPONENTS__REDIS__AUTH=true` as overrides, in name order.

    A variable counts when it nests (`__`) or names a top-level field, so the tool's own settings
    (GREENROOM_ROOT, GREENROOM_WORKDIR...) are never mistaken for model overrides.
    """
    found: list[Override] = []
    for name in sorted(environ):
        rest = name[len(ENV_PREFIX) :]
        if name.startswith(ENV_PREFIX) and ("__" in rest or rest.lower() in fields):
            found.append((f"${name}", ".".join(rest.split("__")), environ[name], True))
    return found


def cli_override(text: str) -> Override:
    """`--set key=value` as an override."""
    key, sep, value = text.partition("=")
    if not sep:
        raise ModelError(
            [Problem(Pos("--set"), "", f"{text!r} has no '='; expected KEY=VALUE")],
            hint="write --set KEY=VALUE, e.g. --set components.redis.auth=true",
        )
    return f"--set {key.strip()}", key.strip(), value, False
