"""Hand-written `compose/<env>.override.yaml`, merged last into the rendered project (pure).

Merge rules follow Compose's own for multiple files: mappings merge key by key, scalars are
replaced, `command`/`entrypoint`/`healthcheck.test` are replaced, other lists gain the new items
(`volumes` keyed by container path), `!override` replaces any value and `!reset` removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from greenroom.errors import ConfigError

REPLACED = frozenset({"command", "entrypoint", "test"})


@dataclass(frozen=True)
class _Override:
    value: Any


class _Reset:
    """Marks a key the override removes."""


class _Loader(yaml.SafeLoader):
    """YAML with Compose's `!reset` and `!override` tags."""


def _construct(loader: Any, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_Loader.add_constructor("!reset", lambda loader, node: _Reset())
_Loader.add_constructor("!override", lambda loader, node: _Override(_construct(loader, node)))


def _target(volume: Any) -> Any:
    """The container path a volume entry mounts at: its identity when merging."""
    if isinstance(volume, dict):
        return volume.get("target")
    parts = str(volume).split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _merge_lists(key: str, base: list[Any], extra: list[Any]) -> list[Any]:
    if key in REPLACED:
        return extra
    if key == "volumes":
        replaced = {_target(v) for v in extra}
        return [v for v in base if _target(v) not in replaced] + extra
    return base + [item for item in extra if item not in base]


def _merge(base: Any, extra: Any, key: str = "") -> Any:
    if isinstance(extra, _Override):
        return _strip(extra.value)
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for name, value in extra.items():
            if isinstance(value, _Reset):
                out.pop(name, None)
            elif name in out:
                out[name] = _merge(out[name], value, str(name))
            else:
                out[name] = _strip(value)
        return out
    if isinstance(base, list) and isinstance(extra, list):
        return _merge_lists(key, base, _strip(extra))
    if key == "networks" and isinstance(base, dict) and isinstance(extra, list):
        # A service's networks as a list or a mapping mean the same to Compose: merge, not replace.
        return _merge(base, {name: None for name in extra if name not in base}, key)
    if key == "networks" and isinstance(base, list) and isinstance(extra, dict):
        return _merge({name: None for name in base}, extra, key)
    return _strip(extra)


def _strip(value: Any) -> Any:
    """Drop the tag markers from a subtree that has nothing to merge with."""
    if isinstance(value, _Override):
        return _strip(value.value)
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not isinstance(v, _Reset)}
    if isinstance(value, list):
        return [_strip(v) for v in value if not isinstance(v, _Reset)]
    return value


def parse_override(text: str, *, source: str = "the Compose override") -> dict[str, Any]:
    """The override as a mapping (tags kept as markers for the merge)."""
    try:
        data = yaml.load(text, Loader=_Loader) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"{source} is not valid YAML: {exc}",
            hint="fix the file; it uses Compose's own syntax, merged over the rendered project",
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source} must be a mapping like a compose.yaml (services:, volumes: ...)",
            hint="start the file with `services:` and the service you want to change",
        )
    return data


def merge_override(document: dict[str, Any], text: str, *, source: str = "") -> dict[str, Any]:
    """``document`` with the override merged over it; the input is not modified."""
    extra = parse_override(text, source=source or "the Compose override")
    merged: dict[str, Any] = _merge(document, extra)
    return merged
