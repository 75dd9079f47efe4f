"""Host tooling greenroom installs for itself (Compose v2)."""

from greenroom.tooling.compose import compose_version, install_compose

__all__ = ["compose_version", "install_compose"]
