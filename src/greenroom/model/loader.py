"""load_environment: read, layer, validate and cross-check one environment of envs/."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from greenroom.errors import ConfigError
from greenroom.model.environment import Environment
from greenroom.model.layers import (
    Merger,
    Override,
    cli_override,
    env_overrides,
    override_layer,
)
from greenroom.model.problems import ModelError, Pos, Problem, listing, suggest
from greenroom.model.refs import check_references
from greenroom.model.source import Layer, read_yaml
from greenroom.model.types import NAME
from greenroom.model.validate import Locator, problems_from
from greenroom.paths import project_root

BASE = "base"
_FIELDS = [f.alias or n for n, f in Environment.model_fields.items()]


def available_environments(envs_dir: Path) -> list[str]:
    """The environment names in ``envs_dir``: every `<name>.yaml` but base.yaml."""
    if not envs_dir.is_dir():
        return []
    return sorted(
        p.stem for p in envs_dir.glob("*.yaml") if p.stem != BASE and re.match(NAME, p.stem)
    )


def _read(path: Path, shown: str) -> Layer:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError([Problem(Pos(shown), "", f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise ModelError([Problem(Pos(shown), "", f"cannot read: {exc.strerror}")]) from None
    return read_yaml(text, shown)


def _chain(name: str, envs_dir: Path, root: Path, available: Sequence[str]) -> list[Layer]:
    """The env file and the files it extends, outermost first; `extends` cycles are problems."""
    chain: list[Layer] = []
    trail: list[str] = []
    current: str | None = name
    while current is not None:
        trail.append(current)
        layer = _read(envs_dir / f"{current}.yaml", _shown(envs_dir / f"{current}.yaml", root))
        chain.insert(0, layer)
        parent = layer.data.pop("extends", None)
        if parent is None:
            break
        pos = layer.values.get(("extends",), layer.origin)
        if not isinstance(parent, str) or parent not in available:
            problem = (
                f"`{parent}` is not an environment; available: {listing(available)}"
                f"{suggest(str(parent), available)}"
            )
            raise ModelError([Problem(pos, "extends", problem)])
        if parent in trail:
            cycle = " -> ".join([*trail, parent])
            raise ModelError(
                [Problem(pos, "extends", f"extends cycle: {cycle}")],
                hint="remove `extends:` from one of these files",
            )
        current = parent
    return chain


def _shown(path: Path, root: Path) -> str:
    """A path as people see it in messages: relative to the project root when inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def load_environment(
    name: str,
    *,
    root: Path | None = None,
    overrides: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Environment:
    """The effective, validated environment ``name``: base < file < GREENROOM_* < --set.

    Raises ConfigError (exit 2) listing every problem as `file:line:column: key.path: message`.

    >>> load_environment("dev", overrides=["components.redis.auth=true"]).exposure.publish
    'all'
    """
    root = root if root is not None else project_root()
    return load_from_dir(root / "envs", name, root=root, overrides=overrides, environ=environ)


def load_from_dir(
    envs_dir: Path,
    name: str,
    *,
    root: Path | None = None,
    overrides: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Environment:
    """load_environment for any folder of env files (test fixtures, another project's envs/)."""
    root = root if root is not None else envs_dir.parent
    available = available_environments(envs_dir)
    if name not in available:
        raise ConfigError(
            f"unknown environment {name!r}{suggest(name, available)}; "
            f"available: {listing(available)}",
            hint=f"pass one of them, or create {_shown(envs_dir / (name + '.yaml'), root)}",
        )
    merger = Merger()
    base = envs_dir / f"{BASE}.yaml"
    problems: list[Problem] = []
    if base.is_file():
        layer = _read(base, _shown(base, root))
        if "extends" in layer.data:
            problems.append(
                Problem(
                    layer.keys[("extends",)],
                    "extends",
                    "base.yaml is the bottom layer and cannot extend",
                )
            )
        merger.add(layer)
    for layer in _chain(name, envs_dir, root, available):
        merger.add(layer)
    top = merger.root
    if merger.data.get("name") != name and ("name",) in merger.values:
        problems.append(
            Problem(
                merger.values[("name",)],
                "name",
                f"must be `{name}`, the file's name (or leave it out)",
            )
        )
    merger.data["name"] = name
    merger.values.setdefault(("name",), top)
    environ = os.environ if environ is None else environ
    items: list[Override | str] = [*env_overrides(environ, _FIELDS), *overrides]
    for item in items:
        try:
            override = cli_override(item) if isinstance(item, str) else item
            merger.add(override_layer(merger.data, override))
        except ModelError as exc:
            problems.extend(exc.problems)
    problems.extend(merger.problems)
    if merger.data.get("name") != name:
        problems.append(
            Problem(
                merger.values.get(("name",), top),
                "name",
                f"must be `{name}`; an environment's name cannot be overridden",
            )
        )
    where = Locator(merger.values, merger.keys, top, merger.data)
    try:
        env = Environment.model_validate(merger.data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, merger.data, where))
    else:
        if not problems:
            problems.extend(check_references(env, where, available))
    if problems:
        raise ModelError(problems)
    return env
