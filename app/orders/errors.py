"""One root for the app's own errors, each carrying what the operator should do next."""

from __future__ import annotations


class OrdersError(Exception):
    """Base of every error the app reports to an operator; ``hint`` says what to do next."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\nhint: {self.hint}" if self.hint else self.message


class ConfigError(OrdersError):
    """The process environment does not describe a usable configuration."""

    exit_code = 2


class DependencyError(OrdersError):
    """A backing service (Postgres, Redis, NATS, S3, SNS) is unreachable or not provisioned."""


class MigrationError(OrdersError):
    """The migrations on disk disagree with what the database has applied."""
