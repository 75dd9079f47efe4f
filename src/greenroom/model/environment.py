"""The effective environment: shared sections plus one spec per component, of the registered kinds.

The component union is built from the component registry, so a new kind is one module there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from greenroom.components import spec_union
from greenroom.model.forms import BaseImagePattern, ImageRef
from greenroom.model.types import (
    Backup,
    Contracts,
    Exposure,
    Name,
    Promotion,
    ReplaySpec,
    Rollout,
    SecretSource,
    Service,
    Slo,
    Spec,
    SuiteSpec,
    Zone,
)

if TYPE_CHECKING:
    from greenroom.model.types import ComponentBase as ComponentSpec
else:
    ComponentSpec = spec_union()


class Environment(Spec):
    """The effective, validated description of one environment (base + env file + overrides)."""

    name: Name
    project: Name
    description: str = ""
    zones: dict[Name, Zone]
    exposure: Exposure = Field(default_factory=Exposure)
    components: dict[Name, ComponentSpec] = Field(default_factory=dict)
    services: dict[Name, Service] = Field(default_factory=dict)
    secrets: dict[Name, SecretSource] = Field(default_factory=dict)
    domains: list[str] = Field(default_factory=list)
    promotion: Promotion = Field(default_factory=Promotion)
    rollout: Rollout = Field(default_factory=Rollout)
    slo: Slo = Field(default_factory=Slo)
    backup: Backup = Field(default_factory=Backup)
    suites: dict[Name, SuiteSpec] = Field(default_factory=dict)
    """Where each suite's own tests live: `suites: {smoke: {path: tests/smoke}}`."""
    contracts: Contracts = Field(default_factory=Contracts)
    """The API document and migrations the contract suite checks (event schemas sit on streams)."""
    replay: ReplaySpec = Field(default_factory=ReplaySpec)
    """What `inv test replay` replays and which state it compares."""
    intended_differences: list[str] = Field(default_factory=list)
    """Dotted key paths whose differences from other environments are by design (`inv diff`)."""
    base_images: dict[BaseImagePattern, ImageRef] = Field(default_factory=dict)
    """Local stand-ins for FROM images no registry provides: `{"node:20": "myorg/node:20"}`."""

    @field_validator("components", mode="before")
    @classmethod
    def _kind_from_key(cls, value: Any) -> Any:
        """`components: {redis: {...}}` means kind redis unless `kind:` says otherwise."""
        if isinstance(value, dict):
            return {
                key: (
                    {"kind": key, **spec} if isinstance(spec, dict) and "kind" not in spec else spec
                )
                for key, spec in value.items()
            }
        return value

    def component(self, kind: str) -> Any | None:
        """The first component of ``kind``, or None."""
        return next((c for c in self.components.values() if c.kind == kind), None)


Environment.model_rebuild()
