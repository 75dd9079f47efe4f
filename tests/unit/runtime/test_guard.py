"""The reach rules each container gets: who a shared network must not let in (no engine)."""

from __future__ import annotations

import pytest

from greenroom.runtime.guard import Guarded, enforce, rules
from greenroom.runtime.netview import Box

# postgres admits api on 5432; search admits api on every port; the emulator admits nobody named.
TABLE: dict[str, dict[str, tuple[int, ...] | None]] = {
    "postgres": {"api": (5432,)},
    "search": {"api": None},
    "aws": {},
}


def box(part: str, name: str = "", **networks: str) -> Box:
    return Box(
        id=name or part,
        name=name or f"shop-{part}-1",
        service=part,
        part=part,
        running=True,
        networks={n.replace("_", "-"): ip for n, ip in networks.items()},
    )


API = box("api", to_postgres="10.1.0.3", to_search="10.2.0.3")
WORKER = box("worker", to_postgres="10.1.0.4")
POSTGRES = box("postgres", to_postgres="10.1.0.2")
REPLICA = box("postgres", "shop-postgres-replica-1", to_postgres="10.1.0.5")
SEARCH = box("search", to_search="10.2.0.2")


def test_a_member_the_target_does_not_admit_is_refused_and_an_admitted_one_only_off_its_ports():
    text = rules(POSTGRES, [API, WORKER, POSTGRES, REPLICA, SEARCH], TABLE)
    assert text.splitlines() == [
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A INPUT -s 10.1.0.3/32 -d 10.1.0.2/32 -p tcp -m tcp --dport 5432 -j ACCEPT",
        "-A INPUT -s 10.1.0.3/32 -d 10.1.0.2/32 -p tcp -m tcp --syn -j REJECT "
        "--reject-with tcp-reset",
        "-A INPUT -s 10.1.0.4/32 -d 10.1.0.2/32 -p tcp -m tcp --syn -j REJECT "
        "--reject-with tcp-reset",
        "COMMIT",
    ]


def test_a_client_refuses_the_stores_it_talks_to_and_every_peer_on_their_networks() -> None:
    text = rules(API, [API, WORKER, POSTGRES, SEARCH], TABLE)
    refused = [line.split()[3] for line in text.splitlines() if "REJECT" in line]
    assert refused == ["10.1.0.2/32", "10.1.0.4/32", "10.2.0.2/32"]


def test_a_target_admitting_every_port_and_the_parts_own_containers_get_no_rule() -> None:
    assert "-A INPUT" not in rules(SEARCH, [API, SEARCH], TABLE)
    assert "10.1.0.5" not in rules(POSTGRES, [POSTGRES, REPLICA], TABLE)


def test_a_stopped_member_has_no_address_and_so_no_rule() -> None:
    stopped = Box("w", "shop-worker-1", "worker", "worker", False, {"to-postgres": ""})
    assert "-A INPUT" not in rules(POSTGRES, [POSTGRES, stopped], TABLE)


def test_an_exited_one_shot_task_is_refused_by_its_fixed_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from greenroom.runtime import guard

    applied: dict[str, str] = {}

    def load(image: str, target: Box, text: str) -> str:
        applied[target.name] = text
        return ""

    monkeypatch.delenv("GREENROOM_REACH_GUARD", raising=False)
    monkeypatch.setattr(guard, "_apply", load)
    migrate = Box("m", "shop-migrate-1", "migrate", "migrate", False, {"to-postgres": "10.1.0.254"})
    assert enforce(TABLE, [API, POSTGRES, migrate]) == Guarded(containers=2)
    assert sorted(applied) == ["shop-api-1", "shop-postgres-1"], "only running ones get rules"
    refuse = "-p tcp -m tcp --syn -j REJECT --reject-with tcp-reset"
    assert f"-A INPUT -s 10.1.0.254/32 -d 10.1.0.3/32 {refuse}" in applied["shop-api-1"]
    assert f"-A INPUT -s 10.1.0.254/32 -d 10.1.0.2/32 {refuse}" in applied["shop-postgres-1"]


def test_the_switch_leaves_containers_without_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENROOM_REACH_GUARD", "0")
    done = enforce(TABLE, [API, POSTGRES])
    assert done == Guarded(off="GREENROOM_REACH_GUARD turns it off")
    assert done.state() == {"containers": 0, "off": "GREENROOM_REACH_GUARD turns it off"}


def test_a_guard_image_that_cannot_be_made_leaves_the_rules_off_not_the_replica_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import greenroom.images
    from greenroom.errors import ImageError
    from greenroom.runtime.guard import make_image

    def refuse(**_: object) -> dict[str, str]:
        raise ImageError("local image builds need root (debootstrap, mount, chroot)")

    monkeypatch.delenv("GREENROOM_REACH_GUARD", raising=False)
    monkeypatch.setattr(greenroom.images, "ensure_images", refuse)
    assert make_image() == (
        "the guard image could not be made: local image builds need root "
        "(debootstrap, mount, chroot)"
    )
