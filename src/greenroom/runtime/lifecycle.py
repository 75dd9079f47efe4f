"""`up` and `down`: converge a replica to its model, ready meaning healthy *and* provisioned."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import yaml

from greenroom.components import parts
from greenroom.components.base import one_shot
from greenroom.components.report import Report
from greenroom.errors import GreenroomError, ReplicaError
from greenroom.images.engine import server_version as engine_version
from greenroom.listing import Listing
from greenroom.progress import Progress, console, output
from greenroom.render.workdir import write_project
from greenroom.runtime import noop, subnets
from greenroom.runtime.containers import (
    ContainerInfo,
    anonymous_volumes,
    bound_ports,
    container_logs,
    diverged_networks,
    project_containers,
    remove_leftover_networks,
    remove_volumes,
)
from greenroom.runtime.converge import problems_now, start_when_ready
from greenroom.runtime.ports import check_ports, in_ephemeral_range
from greenroom.runtime.probes import Access
from greenroom.runtime.replica import Replica, infra_images

DEFAULT_TIMEOUT = 240.0
GUARD_KEY = "reach_guard"
"""State: how many containers carry their reach rules, or why none do."""
ABSENT_KEY = "absent"
"""State: part -> why the replica runs without it (`Replica.leave_out`)."""


def up(
    env_name: str = "dev",
    *,
    overrides: Sequence[str] = (),
    show_secrets: bool = False,
    keep_on_failure: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Replica:
    """Bring the replica of ``env_name`` to its model; return once healthy and provisioned."""
    replica = Replica.open(env_name, overrides)
    engine_version()
    files = prepare(replica)
    wanted = spec_hash(files)
    state = replica.load_state()
    existing = project_containers(replica.project)
    if state.get("spec_hash") == wanted and not problems_now(replica, existing):
        write_project(replica.dir, files)
        console.print(f"{replica.project}: up to date, nothing to do")
        guarded = _guard(replica)  # a container restarted since the last `up` lost its rules
        printed = _print_endpoints(replica, show_secrets)
        state = {**state, "spec_hash": wanted, GUARD_KEY: guarded, ABSENT_KEY: replica.absent}
        _remember(replica, state, printed, masked=not show_secrets)
        return replica
    check_ports(replica.host_ports, own=bound_ports(existing), env_name=replica.env.name)
    _note_ephemeral_ports(replica)
    replica.forget_state()
    write_project(replica.dir, files)
    try:
        changed = diverged_networks(
            replica.project, yaml.safe_load(files["compose.yaml"]).get("networks") or {}
        )
        if existing and changed:
            console.print(
                f"{replica.project}: network(s) {', '.join(changed)} change isolation (a zone's "
                "`internal`, or NAT) or address ranges: recreating the replica's containers, "
                "volumes kept"
            )
        if existing and (changed or not state):
            # What an interrupted `up` left behind (port proxies may be half set up): removed,
            # volumes kept, rather than trusted.
            _compose_down(replica, volumes=False)
        guarded = _converge(replica, timeout)
    except BaseException as exc:
        if not keep_on_failure:
            console.print(
                f"{replica.project}: stopping what was started (keep it with --keep-on-failure)"
            )
            _compose_down(replica, volumes=False)
        if isinstance(exc, KeyboardInterrupt | GreenroomError):
            raise
        raise ReplicaError(f"{env_name} replica failed to come up: {exc}") from exc
    printed = _print_endpoints(replica, show_secrets)
    state = {
        "spec_hash": wanted,
        "app_images": replica.app_images,
        GUARD_KEY: guarded,
        ABSENT_KEY: replica.absent,
    }
    _remember(replica, state | {"host_ports": replica.host_ports}, printed, masked=not show_secrets)
    return replica


def _note_ephemeral_ports(replica: Replica) -> None:
    """Say when host ports lie where the kernel lends ports to outgoing connections."""
    ports = in_ephemeral_range(p for ps in replica.host_ports.values() for p in ps.values())
    if ports:
        console.print(
            f"note: {len(ports)} host port(s) of {replica.project} ({ports[0]}-{ports[-1]}) lie in "
            "the kernel's ephemeral port range, where any outgoing connection may hold one when "
            "`up` runs; an exposure.port_base whose ports stay below that range avoids it"
        )


def _guard(replica: Replica) -> dict[str, object]:
    """Each container's reach rules (`runtime/guard.py`); a note when the engine refuses them."""
    from greenroom.model.reach import admissions
    from greenroom.runtime import guard
    from greenroom.runtime.netview import boxes

    done = (
        guard.Guarded(off=replica.guard_off)
        if replica.guard_off
        else guard.enforce(admissions(replica.env), boxes(replica.project))
    )
    if done.off:
        console.print(
            f"{replica.project}: note: members of a shared network are not refused where the "
            f"model forbids a path ({done.off}); `inv test network` reports those paths as not "
            "emulable"
        )
    return done.state()


def reguard(env_name: str, overrides: Sequence[str] = ()) -> None:
    """Apply the reach rules again to every running container of ``env_name``'s replica.

    A container that restarted (a fault a drill injected and undid, a crash) lost the rules in its
    network namespace and, on a new address, is not refused by the others; this puts them back
    without the rest of `up`. Nothing happens to a replica that is not up or runs without rules.
    """
    replica = Replica.open(env_name, overrides)
    state = replica.load_state()
    if not state or not project_containers(replica.project):
        return
    recorded = state.get(GUARD_KEY)
    if isinstance(recorded, dict) and recorded.get("off") and not recorded.get("containers"):
        replica.guard_off = str(recorded["off"])  # off for the replica, not one refusal
    replica.save_state({**state, GUARD_KEY: _guard(replica)})


def _remember(replica: Replica, state: dict[str, Any], printed: Listing, *, masked: bool) -> None:
    """Save the replica's state, with what lets the next `up` see it has nothing to do without
    loading the model (`runtime/noop.py`): recorded only when the endpoints printed were masked."""
    from greenroom.images.build import as_build_spec
    from greenroom.images.engine import image_id
    from greenroom.render.workdir import override_path
    from greenroom.runtime.containers import by_service

    state = {**state, "project": replica.project}
    state.pop(noop.STATE_KEY, None)
    if masked:
        env, root = replica.env, replica.root
        images = {
            service.image: replica.app_images[name]
            for name, service in env.services.items()
            if service.image and name in replica.app_images
        }
        containers = by_service(project_containers(replica.project))
        state[noop.STATE_KEY] = noop.record(
            root,
            replica.env.name,
            replica.overrides,
            watched=[
                "envs",
                str(override_path(root, env.name).relative_to(root)),
                *(as_build_spec(s.build).context for s in env.services.values() if s.build),
                *(f for part in replica.parts.values() for f in part.build_folders()),
            ],
            images={ref: i for ref, i in images.items() if image_id(ref) == i},
            expect={
                name: (len(found), name in replica.parts and one_shot(replica.parts[name]))
                for name, found in containers.items()
            },
            started=noop.started_at(c.id for found in containers.values() for c in found),
            endpoints=printed,
        )
    replica.save_state(state)


def prepare(replica: Replica) -> dict[str, str]:
    """Images, app builds, secrets and the rendered project (not yet written): relpath -> text."""
    from greenroom.images import ensure_images
    from greenroom.images.services import service_images
    from greenroom.render.compose import render_project
    from greenroom.runtime import guard

    ensure_images(only=infra_images(replica.env), quiet=True)
    replica.guard_off = guard.make_image()
    _leave_out_what_cannot_run(replica)
    replica.app_images = service_images(replica.env, replica.root)
    replica.part_images = {
        service: image
        for part in replica.parts.values()
        for service, image in part.build_images(replica.env, replica.root).items()
    }
    replica.materialize_secrets()
    unplaced = render_project(replica.env, replica.render_context())
    names = yaml.safe_load(unplaced.compose).get("networks") or {}
    replica.subnets = subnets.allocate(
        replica.project,
        [n for n, spec in names.items() if not {"ipam", "external"} & set(spec or {})],
        subnets.engine_networks(),
        subnets.pool(),
    )
    return dict(render_project(replica.env, replica.render_context()).files)


def _leave_out_what_cannot_run(replica: Replica) -> None:
    """Without a registry, parts whose image greenroom cannot build stay out (and what depends
    on them); the replica runs the rest and says what it left out and why."""
    from greenroom.images.ensure import unavailable

    missing = unavailable(infra_images(replica.env))
    if not missing:
        return
    gone: dict[str, str] = {}
    for name, part in replica.parts.items():
        needs = sorted(set(part.images()) & set(missing))
        if needs:
            gone[name] = f"{', '.join(needs)}: " + "; ".join(missing[i] for i in needs)
    replica.leave_out(gone)
    for name, why in replica.absent.items():
        console.print(
            f"{replica.project}: {name} cannot run here, the replica runs without it: {why}"
        )


def spec_hash(files: dict[str, str]) -> str:
    """One digest of everything rendered: equal digests mean nothing to converge."""
    digest = hashlib.sha256()
    for relpath, text in sorted(files.items()):
        digest.update(relpath.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


def _converge(replica: Replica, timeout: float) -> dict[str, object]:
    """Start and ready every part; the reach rules go in while the last ones get ready."""
    from concurrent.futures import Future, ThreadPoolExecutor

    env = replica.env
    docker = replica.docker()
    title = f"{replica.project}: bringing up {env.name}"
    calls = 0
    guarding: list[Future[dict[str, object]]] = []
    document, values = _compose_document(replica)

    def start(services: list[str]) -> None:
        nonlocal calls
        calls += 1
        if calls > 1 and _start_created(replica, services, document, values):
            return
        _compose_up(replica, docker, services, remove_orphans=calls == 1)

    def create(services: list[str]) -> None:
        _compose_up(replica, docker, services, remove_orphans=False, start=False)

    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="guard") as pool,
        Progress(
            [*sorted(env.components), *sorted(env.services)], title=title, column="service"
        ) as progress,
        releasing_volumes(replica),
    ):

        def all_started() -> None:
            guarding.append(pool.submit(_guard, replica))

        start_when_ready(replica, replica.access(), progress, start, timeout, create, all_started)
    return guarding[0].result() if guarding else _guard(replica)


def _compose_up(
    replica: Replica,
    docker: Any,
    services: list[str],
    *,
    remove_orphans: bool,
    start: bool = True,
) -> None:
    """Create (and start) ``services`` only: greenroom has already seen their dependencies ready,
    so Compose must not wait again on `depends_on` conditions (healthchecks tick every 5 s)."""
    from python_on_whales.exceptions import DockerException

    try:
        docker.compose.up(
            services=services,
            detach=start,
            remove_orphans=remove_orphans,
            pull="never",
            quiet=True,
            dependencies=False,
            start=start,
        )
    except DockerException as exc:
        failed = _first_failed(replica)
        details = str(exc.stderr or "").strip()[-800:]
        if failed:
            details += f"\n--- last lines of {failed.name} ---\n{container_logs(failed.id)}"
        raise ReplicaError(
            f"`docker compose up` failed for {replica.project}",
            details=details,
            hint=f"see `inv logs {replica.env.name}`; fix the model or the app and run `inv up "
            f"{replica.env.name}` again",
        ) from exc


def _compose_document(replica: Replica) -> tuple[dict[str, Any], dict[str, str]]:
    """The written Compose project, parsed, and the values of its secret variables."""
    from greenroom.secrets import read, variable

    values = {variable(n): read(p).get_secret_value() for n, p in replica.secret_files.items()}
    return yaml.safe_load(replica.compose_file.read_text()), values


def _start_created(
    replica: Replica, services: list[str], document: dict[str, Any], values: dict[str, str]
) -> bool:
    """Start the containers `create` made without another Compose round trip, when possible."""
    from docker.errors import DockerException

    from greenroom.runtime.containers import by_service
    from greenroom.runtime.quickstart import start_created

    everything = replica.parts
    try:
        return start_created(
            services,
            by_service(project_containers(replica.project)),
            {name: everything[name].replicas() if name in everything else 1 for name in services},
            document,
            values,
        )
    except DockerException as exc:
        raise ReplicaError(
            f"the engine could not start {', '.join(services)} of {replica.project}",
            details=str(exc)[-800:],
            hint=f"see `inv logs {replica.env.name}`; run `inv up {replica.env.name}` again",
        ) from exc


def _first_failed(replica: Replica) -> ContainerInfo | None:
    for container in project_containers(replica.project):
        if container.status == "exited" and container.exit_code != 0:
            return container
        if container.health == "unhealthy":
            return container
    return None


def provision_all(
    replica: Replica, access: Access, progress: Progress | None = None
) -> dict[str, Report]:
    """Create or converge every resource the model declares, asking each component."""
    reports: dict[str, Report] = {}
    for name, part in parts(replica.env).items():
        report = part.provision(access)
        if report is None:
            continue
        reports[name] = report
        if progress:
            progress.done(name, f"provisioned: {len(report.done)} resource(s)")
    return reports


def down(
    env_name: str = "dev",
    *,
    volumes: bool = False,
    yes: bool = False,
    overrides: Sequence[str] = (),
) -> None:
    """Remove every container and network of the replica; volumes only with ``volumes``."""
    replica = Replica.open(env_name, overrides)
    engine_version()
    if volumes and replica.env.name != "dev" and not yes:
        _confirm_volume_loss(replica)
    _compose_down(replica, volumes=volumes)
    replica.forget_state()
    console.print(
        f"{replica.project}: removed" + (" (with volumes)" if volumes else " (volumes kept)")
    )


def _confirm_volume_loss(replica: Replica) -> None:
    import sys

    question = f"Delete the data volumes of the {replica.env.name} replica ({replica.project})?"
    if not sys.stdin or not sys.stdin.isatty():
        raise ReplicaError(
            f"refusing to delete the {replica.env.name} replica's volumes without confirmation",
            hint=f"pass --yes: `inv down {replica.env.name} --volumes --yes`",
        )
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in {"y", "yes"}:
        raise ReplicaError("aborted: volumes kept", hint="nothing was removed")


def _compose_down(replica: Replica, *, volumes: bool) -> None:
    from python_on_whales import DockerClient
    from python_on_whales.exceptions import DockerException

    client = (
        replica.docker()
        if replica.compose_file.exists()
        else DockerClient(compose_project_name=replica.project)
    )
    try:
        with releasing_volumes(replica):
            client.compose.down(remove_orphans=True, volumes=volumes, quiet=True)
        kept = remove_leftover_networks(replica.project)
        if kept:
            console.print(
                f"{replica.project}: kept network(s) a container outside it still uses: "
                f"{', '.join(kept)}"
            )
    except DockerException as exc:
        raise ReplicaError(
            f"`docker compose down` failed for {replica.project}",
            details=str(exc.stderr or "")[-800:],
            hint="run `inv doctor`; `docker ps -a --filter label=com.docker.compose.project="
            f"{replica.project}` lists what is left",
        ) from exc


@contextmanager
def releasing_volumes(replica: Replica) -> Iterator[None]:
    """Unnamed volumes of the replica's containers that no container of it mounts afterwards
    (after `down`, all of them) are removed: Compose itself leaves them behind."""
    before = anonymous_volumes(project_containers(replica.project))
    try:
        yield
    finally:
        if before:
            left = before - anonymous_volumes(project_containers(replica.project))
            kept = remove_volumes(left)
            if kept:
                console.print(
                    f"{replica.project}: kept {len(kept)} unnamed volume(s) another container "
                    f"uses: {', '.join(v[:12] for v in kept)}"
                )


def _print_endpoints(replica: Replica, show_secrets: bool) -> Listing:
    from greenroom.runtime.report import endpoints_table

    table = endpoints_table(replica, show_secrets=show_secrets)
    output.print(table)
    return table
