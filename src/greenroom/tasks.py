"""The Invoke tasks behind `inv` and `greenroom`: each maps its flags to one library call."""

from __future__ import annotations

from invoke import Collection, Context, task

from greenroom.cli import reported


@task(help={"source": "registry, local or auto (default: auto)", "only": "build just these images",
            "force": "rebuild even when the cache says nothing changed"}, iterable=["only"])
@reported
def images(c: Context, source: str = "auto", only: list[str] | None = None, force: bool = False) -> None:
    """Make every image greenroom needs: pulled from a registry, or built locally without one."""
    from greenroom.images import ensure_images

    ensure_images(source=source, only=only or None, force=force)


@task
@reported
def doctor(c: Context) -> None:
    """Check the engine, Compose v2, disk, images and ports; print the fix for each failure."""
    from greenroom.doctor import run_doctor

    run_doctor()


@task(name="install-compose")
@reported
def install_compose(c: Context) -> None:
    """Install Docker Compose v2 as the `docker compose` CLI plugin (idempotent)."""
    from greenroom.tooling import install_compose as install

    install()


@task
@reported
def schema(c: Context, output: str = "") -> None:
    """Export the JSON Schema of envs/*.yaml (for editors' YAML language servers)."""
    from greenroom.model import write_schema

    write_schema(output or None)


@task(help={"set": "override a setting, e.g. --set components.redis.auth=false"}, iterable=["set"])
@reported
def render(c: Context, env: str, set: list[str] | None = None) -> None:
    """Render the Compose project of ENV into the work dir and validate it."""
    from greenroom.render import render_to_workdir

    render_to_workdir(env, overrides=set or [])


@task(help={"svg": "also write a Graphviz SVG"})
@reported
def graph(c: Context, env: str, svg: bool = False) -> None:
    """Print a Mermaid flowchart of ENV: zones as subgraphs, dependencies as edges."""
    from greenroom.render import print_graph

    print_graph(env, svg=svg)


@task(help={"strict": "exit non-zero on any difference not declared as intended"})
@reported
def diff(c: Context, a: str, b: str, strict: bool = False) -> None:
    """Show every difference between two environments as a parity table."""
    from greenroom.render import print_diff

    print_diff(a, b, strict=strict)


ns = Collection(images, doctor, install_compose, schema, render, graph, diff)
ns.configure({"run": {"echo": True}})
