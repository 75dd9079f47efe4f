"""Provisioning what the model declares, on a replica or a real target: one code path."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Report:
    """What a provisioning run created or converged, in the order it happened."""

    done: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.done.append(what)


__all__ = ["Report"]
