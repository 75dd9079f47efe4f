"""greenroom's tasks: `inv --list` shows them (`inv up dev`, `inv test smoke dev`, ...)."""

from greenroom.tasks import ns

__all__ = ["ns"]
