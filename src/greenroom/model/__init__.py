"""The environment model: envs/*.yaml loaded, layered and validated into a typed Environment."""

from __future__ import annotations

from greenroom.model.loader import available_environments, load_environment, load_from_dir
from greenroom.model.problems import ModelError, Pos, Problem
from greenroom.model.schema import json_schema, write_schema
from greenroom.model.types import Environment

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
