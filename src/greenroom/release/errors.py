"""Why a promotion stops: a gate refused it, or AWS or the registry failed under it."""

from __future__ import annotations

from greenroom.errors import GreenroomError


class ReleaseError(GreenroomError):
    """A promotion, rollback or release listing could not go on; nothing half-done is left."""


class Refused(ReleaseError):
    """A gate said no: the message names the gate, the hint the fix. Nothing was touched."""

    def __init__(self, gate: str, message: str, *, hint: str) -> None:
        super().__init__(f"gate {gate}: {message}", hint=hint)
        self.gate = gate
