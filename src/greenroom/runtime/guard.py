"""The reach rules inside each container, where a Docker network cannot hold them.

A network lets every member open connections to every port of every other member, in both
directions; a security group admits named sources on named ports of its target only. After `up`,
each running container gets packet filter rules in its own network namespace (iptables, applied
by greenroom's guard image with NET_ADMIN on that namespace alone): a connection opened to it by
a member of the replica its model does not admit is refused. Replies and the connections it
opens itself are untouched, and so is the host (published ports, probes).

The rules name the other members' addresses (an exited one-shot task by the fixed address it keeps,
`render.compose.pinned`): a container that restarts after `up` starts without its rules, and one
that moves to a new address is not refused by the others. Both err open, never
closing a path the model admits; `inv up` applies them again, and `test network` reports what it
finds open.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import PurePosixPath

from greenroom.model.reach import Admissions
from greenroom.runtime.netview import Box

SWITCH = "GREENROOM_REACH_GUARD"
"""Set to 0 to leave containers without rules (an engine that refuses NET_ADMIN)."""
OFF = ("0", "false", "off", "no")
RULES = PurePosixPath("/rules")
REFUSE = "-p tcp -m tcp --syn -j REJECT --reject-with tcp-reset"


@dataclass(frozen=True)
class Guarded:
    """What `enforce` did: how many containers carry their rules, or why none do."""

    containers: int = 0
    off: str = ""

    def state(self) -> dict[str, object]:
        return {"containers": self.containers, "off": self.off}


def rules(box: Box, members: Iterable[Box], table: Admissions) -> str:
    """`iptables-restore` input for ``box``: refuse each member of its networks that ``table``
    does not admit to its part (on the ports it does not admit, when it admits some)."""
    admitted = table.get(box.part, {})
    ordered = sorted(members, key=lambda b: b.name)
    lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
    for network, address in sorted(box.networks.items()):
        if not address:
            continue
        for member in ordered:
            source = member.networks.get(network)
            if not source or member.part == box.part:
                continue
            if member.part in admitted and admitted[member.part] is None:
                continue
            pair = f"-A INPUT -s {source}/32 -d {address}/32"
            lines += [
                f"{pair} -p tcp -m tcp --dport {port} -j ACCEPT"
                for port in admitted.get(member.part) or ()
            ]
            lines.append(f"{pair} {REFUSE}")
    return "\n".join([*lines, "COMMIT", ""])


def _apply(image: str, box: Box, text: str) -> str:
    """Load ``text`` into ``box``'s network namespace; "" when done, else what went wrong."""
    from greenroom.images.engine import api
    from greenroom.runtime.quickstart import tar_archive

    client = api()
    created = client.create_container(
        image,
        host_config=client.create_host_config(
            network_mode=f"container:{box.id}", cap_add=["NET_ADMIN"]
        ),
        labels={"dev.greenroom.guard": box.name},
    )
    guard = str(created["Id"])
    try:
        client.put_archive(guard, "/", tar_archive([(RULES, text.encode(), 0o444, 0, 0)]))
        client.start(guard)
        code = int(client.wait(guard, timeout=60).get("StatusCode", 1))
        if code:
            said = client.logs(guard).decode("utf-8", "replace").strip()
            return f"iptables-restore in {box.name} exited {code}: {said[-300:]}"
    finally:
        client.remove_container(guard, force=True)
    return ""


def make_image() -> str:
    """Make the guard image (greenroom's own, built locally); "" when it is there, else why not:
    a replica then runs without the rules rather than not at all."""
    from greenroom.errors import GreenroomError
    from greenroom.images import ensure_images

    if os.environ.get(SWITCH, "").strip() in OFF:
        return ""
    try:
        ensure_images(only=["guard"], quiet=True)
    except GreenroomError as exc:
        return f"the guard image could not be made: {exc}"
    return ""


def enforce(table: Admissions, found: Sequence[Box]) -> Guarded:
    """Apply each running container's rules (replacing any it had); never raises for a refusal:
    the replica runs without them and the reason is returned."""
    from docker.errors import DockerException

    from greenroom.images.catalog import CATALOG

    if os.environ.get(SWITCH, "").strip() in OFF:
        return Guarded(off=f"{SWITCH} turns it off")
    running = [b for b in found if b.running]
    # A one-shot task that has exited keeps its fixed address (`render.compose.pinned`): the
    # others refuse it by that address, while it runs again at the next `up` too.
    members = running + [b for b in found if not b.running and any(b.networks.values())]
    image = CATALOG["guard"].ref

    def one(box: Box) -> str:
        try:
            return _apply(image, box, rules(box, members, table))
        except DockerException as exc:
            return f"the engine refused the guard for {box.name}: {str(exc)[-300:]}"

    with ThreadPoolExecutor(max_workers=min(len(running), 8) or 1) as pool:
        failures = [problem for problem in pool.map(one, running) if problem]
    if failures:
        return Guarded(containers=len(running) - len(failures), off=failures[0])
    return Guarded(containers=len(running))
