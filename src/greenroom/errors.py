"""One exception root carrying what a person needs to act: the problem, and what to do next."""

from __future__ import annotations


class GreenroomError(Exception):
    """Base of every error greenroom reports to a user.

    ``hint`` says what to do next; ``exit_code`` is what the CLI exits with.
    ``details`` carries supporting lines (a command's stderr tail, a container's last log lines).
    """

    exit_code: int = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        details: str | None = None,
        exit_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        parts = [self.message]
        if self.details:
            parts.append(self.details.rstrip())
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


class ConfigError(GreenroomError):
    """The environment model (envs/*.yaml, variables, overrides) is invalid."""

    exit_code = 2


class EngineError(GreenroomError):
    """The Docker engine or Compose is unreachable or refused an operation."""


class ImageError(GreenroomError):
    """An image could not be pulled or built."""


class ReplicaError(GreenroomError):
    """A local replica failed to start, become ready, or be provisioned."""


class PortInUseError(ReplicaError):
    """A host port the replica needs is already taken."""


class SuiteError(GreenroomError):
    """A test suite could not run, or failed."""
