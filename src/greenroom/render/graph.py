"""The environment as a diagram: zones as subgraphs, nodes shaped by kind, who talks to whom."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from greenroom.components import parts
from greenroom.components.base import Edge, Node, Shape, node_id, one_shot
from greenroom.errors import GreenroomError
from greenroom.model.environment import Environment
from greenroom.render.ports import reach

INTERNET = "internet"

MERMAID: dict[Shape, tuple[str, str]] = {
    "service": ('["', '"]'),
    "job": ('(["', '"])'),
    "database": ('[("', '")]'),
    "bucket": ('[("', '")]'),
    "queue": ('[["', '"]]'),
    "topic": ('>"', '"]'),
    "gateway": ('{{"', '"}}'),
    "emulator": ('{{"', '"}}'),
}

GRAPHVIZ: dict[Shape, str] = {
    "service": "box",
    "job": "box",
    "database": "cylinder",
    "bucket": "folder",
    "queue": "cds",
    "topic": "cds",
    "gateway": "hexagon",
    "emulator": "hexagon",
}


@dataclass(frozen=True)
class Graph:
    """What both diagram formats draw: zone labels, nodes, edges, in a stable order."""

    zones: dict[str, str]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def build(env: Environment) -> Graph:
    """Collect each component's own diagram, then add dependency and Internet edges."""
    everything = parts(env)
    nodes: list[Node] = []
    edges: list[Edge] = []
    for name, part in everything.items():
        own = part.diagram()
        nodes += own.nodes
        edges += own.edges
        drawn = {edge.target for edge in own.edges}
        for target in part.depends_on():
            if node_id(target) not in drawn:
                after = one_shot(everything[target])
                edges.append(Edge(node_id(name), node_id(target), "after" if after else ""))
        if reach(env, name) == "public" and part.container_ports():
            edges.append(Edge(INTERNET, node_id(name)))
    zones = {
        zone: zone + (" (internal)" if zone in env.zones and env.zones[zone].internal else "")
        for zone in sorted({node.zone for node in nodes})
    }
    return Graph(zones=zones, nodes=tuple(nodes), edges=tuple(edges))


def _text(label: str) -> str:
    return label.replace('"', "#quot;")


def mermaid(env: Environment) -> str:
    """A Mermaid flowchart of ``env``, for READMEs and review threads."""
    graph = build(env)
    lines = ["flowchart LR", f"  {INTERNET}((Internet))"]
    for zone, title in graph.zones.items():
        lines.append(f'  subgraph zone_{node_id(zone)[2:]}["{_text(title)}"]')
        for node in graph.nodes:
            if node.zone == zone:
                left, right = MERMAID[node.shape]
                lines.append(f"    {node.id}{left}{_text(node.label)}{right}")
        lines.append("  end")
    for edge in graph.edges:
        arrow = "-.->" if edge.dotted else "-->"
        label = f"|{_text(edge.label)}|" if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def graphviz(env: Environment) -> str:
    """The same diagram in Graphviz DOT, for `dot -Tsvg`."""
    graph = build(env)
    lines = [
        f"digraph {_quoted(env.project + '-' + env.name)} {{",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
        f'  {INTERNET} [label="Internet", shape=ellipse];',
    ]
    for zone, title in graph.zones.items():
        lines.append(f"  subgraph cluster_{node_id(zone)[2:]} {{")
        lines.append(f"    label={_quoted(title)}; style=rounded;")
        for node in graph.nodes:
            if node.zone == zone:
                label = _quoted(node.label).replace("<br/>", "\\n")
                lines.append(f"    {node.id} [label={label}, shape={GRAPHVIZ[node.shape]}];")
        lines.append("  }")
    for edge in graph.edges:
        attrs = [f"label={_quoted(edge.label)}"] if edge.label else []
        attrs += ["style=dashed"] if edge.dotted else []
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {edge.source} -> {edge.target}{suffix};")
    return "\n".join([*lines, "}"]) + "\n"


def write_svg(env: Environment, path: Path) -> Path:
    """Render the Graphviz diagram to ``path`` with the `dot` binary."""
    dot = shutil.which("dot")
    if dot is None:
        raise GreenroomError(
            "Graphviz is not installed: `dot` is not on PATH",
            hint="install it (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install "
            "graphviz) or leave out --svg and paste the Mermaid text into a viewer",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [dot, "-Tsvg", "-o", str(path)],
        input=graphviz(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise GreenroomError(
            f"dot could not draw the diagram (exit {result.returncode})",
            details="\n".join(result.stderr.strip().splitlines()[-10:]),
            hint="check the Graphviz install with `dot -V`",
        )
    return path


def print_graph(name: str, *, svg: bool = False) -> None:
    """Print ENV's Mermaid flowchart; with ``svg`` also write `.greenroom/<env>/graph.svg`."""
    from greenroom.model import load_environment
    from greenroom.paths import workdir

    env = load_environment(name)
    print(mermaid(env), end="")
    if svg:
        path = write_svg(env, workdir() / env.name / "graph.svg")
        print(f"wrote {path}")
