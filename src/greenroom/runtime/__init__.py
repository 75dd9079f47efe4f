"""The local replica: start, wait, provision, inspect, stop."""

from greenroom.runtime.lifecycle import down, up
from greenroom.runtime.operate import logs, psql, shell, status
from greenroom.runtime.replica import Replica

__all__ = ["Replica", "down", "logs", "psql", "shell", "status", "up"]
