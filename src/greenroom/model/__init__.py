"""The environment model: envs/*.yaml loaded, layered and validated into a typed Environment.

Names are imported on first use, so the component kinds can build on `greenroom.model.types`
while the Environment (whose component union comes from those kinds) builds on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from greenroom.lazy import exports

if TYPE_CHECKING:
    from greenroom.model.environment import Environment
    from greenroom.model.loader import available_environments, load_environment, load_from_dir
    from greenroom.model.problems import ModelError, Pos, Problem
    from greenroom.model.schema import json_schema, write_schema

_HOME = {
    "Environment": "environment",
    "available_environments": "loader",
    "load_environment": "loader",
    "load_from_dir": "loader",
    "ModelError": "problems",
    "Pos": "problems",
    "Problem": "problems",
    "json_schema": "schema",
    "write_schema": "schema",
}

__all__ = [
    "Environment",
    "ModelError",
    "Pos",
    "Problem",
    "available_environments",
    "json_schema",
    "load_environment",
    "load_from_dir",
    "write_schema",
]


__getattr__ = exports(__name__, _HOME)
