"""greenroom's tasks: `inv --list` shows them (`inv up dev`, `inv test smoke`, `inv images`, ...)."""

from greenroom.tasks import ns

__all__ = ["ns"]
