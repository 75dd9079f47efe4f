"""Day-to-day commands on a running replica: status, logs, a shell, psql, invoking a function."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence

from greenroom.components.postgres.spec import Postgres
from greenroom.errors import ConfigError, ReplicaError
from greenroom.images.engine import server_version as engine_version
from greenroom.progress import console, output
from greenroom.runtime.containers import project_containers
from greenroom.runtime.converge import problems_now
from greenroom.runtime.replica import Replica


def status(
    env_name: str = "dev",
    *,
    overrides: Sequence[str] = (),
    as_json: bool = False,
    show_secrets: bool = False,
) -> bool:
    """Print the replica's services, a table or a JSON document; raise if any is unhealthy."""
    from greenroom.runtime.report import print_document, status_document, status_table

    replica = Replica.open(env_name, overrides)
    replica.recall_absent()
    engine_version()
    containers = project_containers(replica.project)
    if not containers:
        raise ReplicaError(
            f"the {env_name} replica ({replica.project}) is not running",
            hint=f"start it with `inv up {env_name}`",
        )
    found = problems_now(replica, containers)
    if as_json:
        print_document(status_document(replica, containers, found, show_secrets=show_secrets))
    else:
        output.print(status_table(replica, containers))
        for name, why in sorted(replica.absent.items()):
            console.print(f"{name}: left out, it cannot run here: {why}")
    if found:
        raise ReplicaError(
            f"{env_name} replica is not healthy: {', '.join(found)}",
            hint=f"`inv logs {env_name} --service <name>` says why; `inv up {env_name}` repairs it",
        )
    return True


def _compose_argv(replica: Replica, *args: str) -> list[str]:
    if not replica.compose_file.exists():
        raise ReplicaError(
            f"the {replica.env.name} replica has not been rendered yet",
            hint=f"run `inv up {replica.env.name}`",
        )
    return replica.compose_argv(*args)


def _run_attached(argv: list[str]) -> int:
    try:
        return subprocess.call(argv)
    except KeyboardInterrupt:
        return 130


def logs(
    env_name: str = "dev",
    service: str | None = None,
    *,
    follow: bool = False,
    tail: int = 200,
    overrides: Sequence[str] = (),
) -> int:
    """Stream the replica's logs (one service, or all)."""
    replica = Replica.open(env_name, overrides)
    if service and service not in _services(replica):
        raise ReplicaError(
            f"{env_name} has no service {service!r}",
            hint=f"services: {', '.join(sorted(_services(replica)))}",
        )
    argv = _compose_argv(replica, "logs", "--no-color", "--tail", str(tail))
    if follow:
        argv.append("--follow")
    if service:
        argv.append(service)
    return _run_attached(argv)


def shell(env_name: str, service: str, *, overrides: Sequence[str] = ()) -> int:
    """An interactive shell inside a running service's container."""
    replica = Replica.open(env_name, overrides)
    if service not in _services(replica):
        raise ReplicaError(
            f"{env_name} has no service {service!r}",
            hint=f"services: {', '.join(sorted(_services(replica)))}",
        )
    return _run_attached(_compose_argv(replica, "exec", service, "sh"))


def psql(env_name: str = "dev", *, overrides: Sequence[str] = ()) -> int:
    """psql inside the replica's Postgres container, as the app's user on the app's database."""
    replica = Replica.open(env_name, overrides)
    found = [(n, c) for n, c in replica.env.components.items() if isinstance(c, Postgres)]
    if not found:
        raise ReplicaError(f"{env_name} declares no Postgres component", hint="see envs/")
    name, spec = found[0]
    return _run_attached(
        _compose_argv(replica, "exec", name, "psql", "-U", spec.user, "-d", spec.database)
    )


def invoke(
    env_name: str, function: str, *, event: str = "{}", overrides: Sequence[str] = ()
) -> int:
    """Run ``function`` of the replica once on ``event`` (JSON), as `aws lambda invoke` does: its
    answer (or Lambda's error document) on stdout, its log lines on stderr; 1 when it failed."""
    from greenroom.components.aws.functions.part import RUNNER, FunctionComponent

    replica = Replica.open(env_name, overrides)
    functions = sorted(n for n, p in replica.parts.items() if isinstance(p, FunctionComponent))
    if function not in functions:
        raise ReplicaError(
            f"{env_name} has no function {function!r}",
            hint=f"functions: {', '.join(functions)}"
            if functions
            else "declare them under components.<aws>.functions in envs/",
        )
    try:
        json.loads(event)
    except ValueError as exc:
        raise ConfigError(
            f"the event is not JSON: {exc}", hint="""pass a JSON document: --event '{"id": 1}'"""
        ) from None
    argv = _compose_argv(replica, "exec", "-T", function, "python3", RUNNER, "invoke")
    try:
        done = subprocess.run(argv, input=event.encode(), stdout=subprocess.PIPE, check=False)
    except KeyboardInterrupt:
        return 130
    sys.stdout.write(done.stdout.decode(errors="replace"))
    return done.returncode


def _services(replica: Replica) -> set[str]:
    return set(replica.parts)
