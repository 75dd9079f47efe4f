"""What one compose service becomes, and the notes a person reads about it in the summary."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from greenroom.init.secretbook import slug


@dataclass
class Mapped:
    """What one compose service became, and what about it a person should know or check."""

    source: str
    target: str
    kind: str
    zone: str
    notes: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """For `--json`."""
        return {
            "compose": self.source,
            "greenroom": self.target,
            "kind": self.kind,
            "zone": self.zone,
            "notes": self.notes,
            "attention": self.attention,
        }


Section = Literal["components", "services"]


@dataclass
class Entry:
    """One compose service on its way into the model."""

    source: str
    name: str
    section: Section
    kind: str
    zone: str
    config: Mapping[str, Any]
    spec: dict[str, Any] = field(default_factory=dict)
    one_shot: bool = False
    """Others wait for it to complete (`condition: service_completed_successfully`)."""
    above: tuple[str, ...] = ()
    """Comment lines written above its key."""
    mapped: Mapped | None = None


def _inside(path: str, root: str) -> str:
    """A path as the project sees it: `./nginx.conf` rather than its absolute form."""
    if path.startswith(root.rstrip("/") + "/"):
        return "./" + posixpath.relpath(path, root)
    return path


def model_name(source: str) -> str:
    """A compose service name as the model accepts it: `My_DB` -> `my-db`."""
    return slug(source)


def unmodelled(config: Mapping[str, Any], mapped: Mapped, *, root: str, component: bool) -> None:
    """Note what the model has no place for: bind mounts, entrypoints, profiles."""
    volumes = config.get("volumes") or []
    binds = [_inside(str(v.get("source", "")), root) for v in volumes if v.get("type") == "bind"]
    if binds:
        mapped.attention.append(f"bind mounts not carried: {', '.join(binds)}")
    elif volumes and not component:
        mapped.notes.append("volumes not carried")
    if config.get("entrypoint"):
        mapped.attention.append(f"entrypoint {config['entrypoint']!r} not carried")
    if config.get("profiles"):
        mapped.notes.append(f"compose profiles {', '.join(config['profiles'])} not modelled")
