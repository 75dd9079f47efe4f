"""An environment without the parts a machine cannot run (an image greenroom cannot build and no
registry to pull it from), and without what depends on them: the replica runs the rest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from greenroom.components import parts
from greenroom.model.environment import Environment


def closure(env: Environment, missing: Mapping[str, str]) -> dict[str, str]:
    """Part -> why it cannot run: ``missing`` and, transitively, whatever depends on those."""
    everything = parts(env)
    out = {name: why for name, why in missing.items() if name in everything}
    grew = True
    while grew:
        grew = False
        for name, part in everything.items():
            needs = [d for d in part.depends_on() if d in out]
            if name not in out and needs:
                out[name] = f"it depends on {needs[0]}, which cannot run here"
                grew = True
    return dict(sorted(out.items()))


def _pruned(spec: Any, gone: Mapping[str, str]) -> Any:
    """``spec`` without dependencies, reach rules and routes that name a part that is gone."""
    update: dict[str, Any] = {}
    if getattr(spec, "depends_on", None):
        update["depends_on"] = [d for d in spec.depends_on if d not in gone]
    if getattr(spec, "allow_from", None):
        update["allow_from"] = [r for r in spec.allow_from if r.source not in gone]
    if getattr(spec, "routes", None):
        update["routes"] = [r for r in spec.routes if r.service not in gone] or spec.routes
    return spec.model_copy(update=update) if update else spec


def without(env: Environment, gone: Mapping[str, str]) -> Environment:
    """``env`` less the components and services in ``gone`` (see `closure`); ``env`` itself when
    nothing is gone."""
    if not gone:
        return env
    return env.model_copy(
        update={
            "components": {n: _pruned(s, gone) for n, s in env.components.items() if n not in gone},
            "services": {n: _pruned(s, gone) for n, s in env.services.items() if n not in gone},
        }
    )
