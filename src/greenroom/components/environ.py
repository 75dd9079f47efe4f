"""Reading a deployed environment's endpoints and credentials from ``GREENROOM_*`` variables.

Each kind reads its own variables through one ``Environ``, which gathers every missing or
malformed variable so the user is told about all of them at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PREFIX = "GREENROOM_"


@dataclass
class Environ:
    """The caller's variables, and what is missing or malformed among the ones asked for."""

    values: Mapping[str, str]
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> str:
        """``GREENROOM_<name>``, stripped; "" when unset."""
        return self.values.get(PREFIX + name, "").strip()

    def need(self, name: str) -> str:
        """``GREENROOM_<name>``; noted as missing when unset."""
        value = self.get(name)
        if not value:
            self.missing.append(PREFIX + name)
        return value

    def port(self, name: str, default: int) -> int:
        """``GREENROOM_<name>`` as a port number, else ``default``."""
        raw = self.get(name)
        if not raw:
            return default
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            self.problems.append(f"{PREFIX}{name}={raw!r} is not a port number")
            return default
        return int(raw)

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def complaints(self) -> list[str]:
        """One line per kind of trouble, empty when every variable asked for was fine."""
        return ([f"missing: {', '.join(self.missing)}"] if self.missing else []) + self.problems
