"""The Invoke tasks behind `inv` and `greenroom`: each maps its flags to one library call."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from greenroom.cli import reported
from greenroom.errors import ConfigError


@task(
    help={
        "source": "registry, local or auto (default: auto)",
        "only": "build just these images",
        "force": "rebuild even when the cache says nothing changed",
    },
    iterable=["only"],
)
@reported
def images(
    c: Context, source: str = "auto", only: list[str] | None = None, force: bool = False
) -> None:
    """Make every image greenroom needs: pulled from a registry, or built locally without one."""
    from greenroom.images import ensure_images

    ensure_images(source=source, only=only or None, force=force)


@task(
    help={
        "port": "a host port to check (repeat); default: the ports ENV's replica needs",
        "env": "the environment whose replica ports to check (default dev)",
    },
    iterable=["port"],
)
@reported
def doctor(c: Context, port: list[str] | None = None, env: str = "dev") -> None:
    """Check the engine, Compose v2, disk, images and ports; print the fix for each failure.

    In a project, the ports are those ENV's replica needs (default dev); else --port or defaults.
    """
    from greenroom.doctor import DEFAULT_PORTS, Probes, parse_ports, replica_ports, run_doctor

    found = None if port else replica_ports(env)
    if found is None:
        run_doctor(ports=parse_ports(port) if port else DEFAULT_PORTS)
        return
    ports, own = found
    run_doctor(ports=ports, probes=Probes(own_port=own))


@task(name="install-compose")
@reported
def install_compose(c: Context) -> None:
    """Install Docker Compose v2 as the `docker compose` CLI plugin (idempotent)."""
    from greenroom.tooling import install_compose as install

    install()


@task(
    help={
        "compose": "the compose file (default: compose.yaml, compose.yml, docker-compose.yml or "
        "docker-compose.yaml in the current folder)",
        "force": "overwrite existing envs/base.yaml and envs/dev.yaml",
        "json": "print the summary as JSON",
    }
)
@reported
def init(c: Context, compose: str = "", force: bool = False, json: bool = False) -> None:
    """Write envs/base.yaml and envs/dev.yaml from the project's compose file (or a starter)."""
    from greenroom.init import init_project

    init_project(compose=compose or None, force=force, as_json=json)


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


_SET = {"set": "override a setting, e.g. --set components.redis.auth=true (repeatable)"}


@task(
    help={
        **_SET,
        "show-secrets": "print passwords in the endpoints",
        "keep-on-failure": "leave a failed replica running to inspect it",
        "timeout": "seconds each service may take to become ready",
        "json": "print the endpoints as a JSON document on stdout (everything else on stderr)",
    },
    iterable=["set"],
    positional=["env"],
)
@reported
def up(
    c: Context,
    env: str,
    set: list[str] | None = None,
    show_secrets: bool = False,
    keep_on_failure: bool = False,
    timeout: float = 240.0,
    json: bool = False,
) -> None:
    """Bring up the local replica of ENV (e.g. `inv up dev`): healthy and provisioned."""
    from greenroom.runtime.noop import up_to_date

    if not (json or show_secrets) and up_to_date(env, set or []):
        return
    from greenroom.runtime import up as bring_up
    from greenroom.runtime.report import up_json

    (up_json if json else bring_up)(
        env,
        overrides=set or [],
        show_secrets=show_secrets,
        keep_on_failure=keep_on_failure,
        timeout=timeout,
    )


@task(
    help={
        **_SET,
        "volumes": "also delete the replica's data volumes",
        "yes": "do not ask before deleting volumes",
    },
    iterable=["set"],
    positional=["env"],
)
@reported
def down(
    c: Context, env: str, volumes: bool = False, yes: bool = False, set: list[str] | None = None
) -> None:
    """Remove every container and network of ENV's replica (volumes kept unless --volumes)."""
    from greenroom.runtime import down as tear_down

    tear_down(env, volumes=volumes, yes=yes, overrides=set or [])


@task(
    help={
        **_SET,
        "json": "print a JSON document on stdout (messages on stderr)",
        "show-secrets": "with --json: passwords in the endpoints",
    },
    iterable=["set"],
    positional=["env"],
)
@reported
def status(
    c: Context,
    env: str,
    set: list[str] | None = None,
    json: bool = False,
    show_secrets: bool = False,
) -> None:
    """Services, health, ports, image and uptime of ENV's replica; non-zero if unhealthy."""
    from greenroom.runtime import status as show_status

    show_status(env, overrides=set or [], as_json=json, show_secrets=show_secrets)


@task(
    name="env",
    help={
        **_SET,
        "format": "export (default; for eval and direnv), dotenv or json",
        "show-secrets": "show credentials on a terminal too (piped or eval'd they always are)",
    },
    iterable=["set"],
    positional=["env"],
)
@reported
def env_vars(
    c: Context,
    env: str,
    format: str = "export",
    show_secrets: bool = False,
    set: list[str] | None = None,
) -> None:
    """Variables that reach ENV's replica from the host (`eval "$(inv env dev)"`): credentials."""
    from greenroom.runtime.hostenv import print_env

    print_env(env, fmt=format, show_secrets=show_secrets, overrides=set or [])


@task(
    help={
        **_SET,
        "follow": "keep streaming",
        "tail": "lines of history",
        "service": "only this service",
    },
    iterable=["set"],
    positional=["env"],
)
@reported
def logs(
    c: Context,
    env: str,
    service: str = "",
    follow: bool = False,
    tail: int = 200,
    set: list[str] | None = None,
) -> None:
    """Logs of ENV's replica, or of one --service."""
    from greenroom.runtime import logs as show_logs

    _exit(show_logs(env, service or None, follow=follow, tail=tail, overrides=set or []))


@task(help=_SET, iterable=["set"])
@reported
def shell(c: Context, env: str, service: str, set: list[str] | None = None) -> None:
    """A shell inside SERVICE of ENV's replica."""
    from greenroom.runtime import shell as open_shell

    _exit(open_shell(env, service, overrides=set or []))


@task(
    help={**_SET, "event": "the event, a JSON document (default: {})"},
    iterable=["set"],
    positional=["env", "function"],
)
@reported
def invoke(
    c: Context, env: str, function: str, event: str = "{}", set: list[str] | None = None
) -> None:
    """Run FUNCTION of ENV's replica once on --event, as `aws lambda invoke` does."""
    from greenroom.runtime import invoke as run_once

    _exit(run_once(env, function, event=event, overrides=set or []))


@task(help=_SET, iterable=["set"], positional=["env"])
@reported
def psql(c: Context, env: str, set: list[str] | None = None) -> None:
    """psql on ENV's Postgres, as the app's user."""
    from greenroom.runtime import psql as open_psql

    _exit(open_psql(env, overrides=set or []))


@task(
    help={
        **_SET,
        "env": "the environment to test (default: dev)",
        "junit": "where to write the JUnit XML (default: .greenroom/reports/)",
        "target": "replica (default: the local replica) or environ (GREENROOM_* variables)",
        "deadline": "seconds a journey test may take through every hop (default 30)",
    },
    iterable=["set"],
    positional=["suite"],
)
@reported
def test(
    c: Context,
    suite: str,
    env: str = "dev",
    junit: str = "",
    target: str = "replica",
    deadline: int = 0,
    set: list[str] | None = None,
) -> None:
    """Run SUITE (`inv test smoke`, `--env stage`); record the verdict for the app image digest."""
    from greenroom.suites import run_suite

    run_suite(
        suite,
        env,
        target=target,
        junit=junit or None,
        overrides=set or [],
        deadline=deadline or None,
    )


@task(
    help={
        **_SET,
        "plan": "print the candidate, every gate's verdict and the changes, then stop",
        "approve": "approve the promotion (recorded with who and when)",
    },
    iterable=["set"],
    positional=["env"],
)
@reported
def promote(
    c: Context, env: str, plan: bool = False, approve: bool = False, set: list[str] | None = None
) -> None:
    """Promote the tested digests to ENV in AWS (`inv promote stage --plan`), behind its gates."""
    from greenroom.release.promote import promote as run_promotion

    run_promotion(env, plan_only=plan, approve=approve, overrides=set or [])


@task(
    help={**_SET, "to": "the release number to return to (default: the one before)"},
    iterable=["set"],
    positional=["env"],
)
@reported
def rollback(c: Context, env: str, to: int = 0, set: list[str] | None = None) -> None:
    """Return ENV to an earlier release (`inv rollback prod --to 3`)."""
    from greenroom.release.rollback import rollback as run_rollback

    run_rollback(env, to=to or None, overrides=set or [])


@task(help={**_SET, "json": "print the history as JSON"}, iterable=["set"], positional=["env"])
@reported
def releases(c: Context, env: str, json: bool = False, set: list[str] | None = None) -> None:
    """The release history of ENV: who, when, digests, tag, evidence, canary steps, rollbacks."""
    from greenroom.release.rollback import releases as show_releases

    show_releases(env, as_json=json, overrides=set or [])


@task(
    help={
        "stream": "the JetStream stream to record",
        "from-seq": "first sequence to record (default: the stream's first)",
        "since": "record what was stored since this ISO 8601 time instead",
        "output": "the replay file (default: replays/<stream>.ndjson.gz)",
        "target": "replica (default: the local replica) or environ (GREENROOM_NATS_URL...)",
    },
    positional=["action", "env"],
)
@reported
def replay(
    c: Context,
    action: str,
    env: str,
    stream: str,
    from_seq: int = 0,
    since: str = "",
    output: str = "",
    target: str = "replica",
) -> None:
    """`inv replay record ENV --stream S [--from-seq N | --since T]`: a stream to a replay file."""
    from greenroom.suites.replay.recording import record_stream

    if action != "record":
        raise ConfigError(f"no replay action {action!r}", hint="use `inv replay record ENV ...`")
    record_stream(env, stream, from_seq=from_seq, since=since, output=output, target=target)


@task(
    help={
        **_SET,
        "kind": "backup (base backup and WAL to S3, the primary killed, a restore), failover "
        "(the primary killed, its read replica promoted) or jetstream (NATS restarted)",
    },
    iterable=["set"],
    positional=["kind", "env"],
)
@reported
def drill(c: Context, kind: str, env: str, set: list[str] | None = None) -> None:
    """Run a drill on ENV's replica (`inv drill backup prod`, `inv drill failover prod`)."""
    from greenroom.drills import run_drill

    run_drill(kind, env, overrides=set or [])


def _exit(code: int) -> None:
    if code:
        raise Exit(code=code)


ns = Collection(
    init,
    images,
    doctor,
    install_compose,
    schema,
    render,
    graph,
    diff,
    up,
    down,
    status,
    env_vars,
    logs,
    shell,
    psql,
    invoke,
    test,
    promote,
    rollback,
    releases,
    replay,
    drill,
)
ns.configure({"run": {"echo": True}})
