"""What an environment says about a Postgres component."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from greenroom.model.forms import SettingName
from greenroom.model.types import ComponentBase, Name, SecretRef, Spec, Text


class PostgresInit(Spec):
    database: Name
    owner: Name | None = None


class Postgres(ComponentBase):
    kind: Literal["postgres"] = "postgres"
    version: Text | None = "17"
    database: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")] = "app"
    user: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")] = "app"
    password: SecretRef
    read_replica: bool = False
    extra_databases: list[PostgresInit] = Field(default_factory=list)
    settings: dict[SettingName, Text] = Field(default_factory=dict)
    """postgresql.conf settings, passed as `-c key=value`."""
