"""Renderers: pure functions from an Environment to text (Compose project, diagram, parity diff).

The entry points the tasks call (`render_to_workdir`, `print_graph`, `print_diff`) do the I/O
around them; they import their modules lazily so `inv --list` stays fast.
"""

from __future__ import annotations

from pathlib import Path

from greenroom.components import RenderContext
from greenroom.render.compose import RenderedProject, render_project
from greenroom.render.ports import allocate_ports
from greenroom.render.workdir import read_override

__all__ = [
    "RenderContext",
    "RenderedProject",
    "allocate_ports",
    "print_diff",
    "print_graph",
    "read_override",
    "render_project",
    "render_to_workdir",
]


def render_to_workdir(env: str, overrides: list[str] | tuple[str, ...] = ()) -> Path:
    """Render ENV's Compose project into `.greenroom/<env>/`, validate it, print its path."""
    from greenroom.render.workdir import render_to_workdir as run

    return run(env, overrides)


def print_graph(env: str, svg: bool = False) -> None:
    """Print ENV's Mermaid flowchart; with ``svg`` also write a Graphviz SVG."""
    from greenroom.render.graph import print_graph as run

    run(env, svg=svg)


def print_diff(a: str, b: str, strict: bool = False) -> None:
    """Print the parity table of A vs B; with ``strict`` fail on unintended differences."""
    from greenroom.render.diff import print_diff as run

    run(a, b, strict=strict)
