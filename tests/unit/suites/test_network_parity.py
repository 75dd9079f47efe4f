"""The network suite's judgements, on a replica described in code (no engine)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from greenroom.model.environment import Environment
from greenroom.model.reach import admissions
from greenroom.runtime.netview import Box
from greenroom.suites.network import parity as net
from greenroom.suites.network.parity import Live, Property, judge
from greenroom.suites.network.probe import Attempt

SHOP: dict[str, Any] = {
    "name": "stage",
    "project": "shop",
    "zones": {"edge": {}, "app": {}, "data": {"internal": True}, "ops": {}},
    "exposure": {"publish": "listed", "services": ["ingress"]},
    "secrets": {"pg": {"generate": True}},
    "domains": ["stage.example.com", "shop.localhost"],
    "components": {
        "postgres": {
            "password": {"secret": "pg"},
            "allow_from": [{"from": "api", "ports": [5432]}],
        },
        "nats": {"allow_from": [{"from": "api", "ports": [4222]}]},
        "aws": {"zone": "ops"},
        "ingress": {"routes": [{"path": "/", "service": "api"}]},
    },
    "services": {
        "api": {"build": "app", "port": 8000, "depends_on": ["postgres", "nats", "aws"]},
        "search": {
            "build": "app",
            "port": 8000,
            "health_port": 9100,
            "allow_from": [{"from": "api", "ports": [8000]}],
        },
    },
}
ENV = Environment.model_validate(SHOP)
LAYOUT = net.expected_layout(ENV)
TABLE = admissions(ENV)
GATEWAY = "172.17.0.1"


def box(part: str, networks: dict[str, str], **bindings: tuple[str, int]) -> Box:
    return Box(
        id=part,
        name=f"shop-{part}-1",
        service=part,
        part=part,
        running=True,
        networks=networks,
        bindings={int(port.removeprefix("p")): bound for port, bound in bindings.items()},
    )


def as_rendered() -> list[Box]:
    """Each part on exactly the networks the renderer gives it."""
    return [
        box(name, {n: f"10.0.{i}.{k}" for i, n in enumerate(nets)})
        for k, (name, nets) in enumerate(LAYOUT.members.items(), start=2)
    ]


def live_with(
    boxes: list[Box], opened: dict[str, list[tuple[str, int, str]]] | None = None
) -> Live:
    """Probe results: every attempt closed but those in ``opened`` (service, port, via)."""
    live = Live(env=ENV, boxes=boxes, gateway=GATEWAY)
    for source in {b.part for b in boxes}:
        nets = frozenset(next(b for b in boxes if b.part == source).networks)
        attempts = [Attempt(s, p, via, "open") for s, p, via in (opened or {}).get(source, [])]
        live.attempts[source] = [(nets, attempts)]
    return live


def test_the_model_declares_paths_closures_exposure_internet_and_domains() -> None:
    ids = {p.id for p in net.declared(ENV)}
    assert "reach:api->postgres:5432" in ids
    assert "reach:ingress->api:8000" in ids
    assert "closed:aws->postgres:5432" in ids
    assert "closed:api->search:9100" in ids, "a port the rule leaves out is closed"
    assert "closed:aws->api:8000" in ids, "without a rule of its own, api admits its talkers"
    assert "closed:postgres->api:8000" in ids, "nor may a store it talks to open one back"
    assert {"exposure:ingress:8080", "exposure:postgres:5432"} <= ids
    assert {"internet:postgres", "internet:nats"} <= ids
    assert {"domain:stage.example.com", "domain:shop.localhost"} <= ids


def test_a_container_attached_by_hand_fails_naming_both_ends_and_the_network() -> None:
    boxes = as_rendered()
    aws = next(b for b in boxes if b.part == "aws")
    boxes[boxes.index(aws)] = box("aws", {**aws.networks, "to-postgres": "10.9.9.9"})
    live = live_with(boxes, {"aws": [("postgres", 5432, "postgres")]})
    judged = judge(Property("closed", "aws", "postgres", "postgres", 5432), live, LAYOUT, TABLE)
    assert judged.verdict == "failed"
    assert "aws -> postgres:5432 is open through network to-postgres" in judged.reason
    assert "which aws must not be on" in judged.reason
    assert net.stray_networks(live, LAYOUT) == [
        "shop-aws-1 (aws) is on network to-postgres, outside the model"
    ]


def test_a_port_left_out_of_a_rule_open_on_a_shared_network_fails_when_rules_apply() -> None:
    live = live_with(as_rendered(), {"api": [("search", 9100, "search")]})
    judged = judge(Property("closed", "api", "search", "search", 9100), live, LAYOUT, TABLE)
    assert judged.verdict == "failed"
    assert "share network to-search by design" in judged.reason
    assert "reach rules inside shop-search-1 that refuse api are missing" in judged.reason
    assert "run `inv up stage`" in judged.reason


def test_the_container_that_lost_its_rules_is_named_among_its_service_s_containers() -> None:
    boxes = as_rendered()
    restarted = next(b for b in boxes if b.part == "api")
    other = replace(
        restarted,
        id="api-2",
        name="shop-api-2",
        networks={n: f"{a}0" for n, a in restarted.networks.items()},
    )
    opened = {"postgres": [("api", 8000, restarted.networks["to-postgres"])]}
    live = live_with([*boxes, other], opened)
    judged = judge(Property("closed", "postgres", "api", "api", 8000), live, LAYOUT, TABLE)
    assert judged.verdict == "failed"
    assert "postgres and api share network to-postgres by design (api may reach postgres)" in (
        judged.reason
    )
    assert "reach rules inside shop-api-1 that refuse postgres are missing" in judged.reason


def test_without_reach_rules_or_a_running_source_a_shared_network_is_not_emulable() -> None:
    opened = {"api": [("search", 9100, "search")]}
    prop = Property("closed", "api", "search", "search", 9100)
    off = live_with(as_rendered(), opened)
    off.guard_off = "GREENROOM_REACH_GUARD turns it off"
    judged = judge(prop, off, LAYOUT, TABLE)
    assert judged.verdict == "not emulable"
    assert judged.reason.endswith("not applied: GREENROOM_REACH_GUARD turns it off")
    stand_in = live_with(as_rendered(), opened)
    stand_in.stand_ins.add("api")
    judged = judge(prop, stand_in, LAYOUT, TABLE)
    assert judged.verdict == "not emulable" and "api has no running container" in judged.reason


def test_a_closed_path_that_stays_closed_is_verified_and_an_open_one_that_does_not_fails() -> None:
    live = live_with(as_rendered())
    closed = Property("closed", "aws", "postgres", "postgres", 5432)
    assert judge(closed, live, LAYOUT, TABLE).verdict == "verified"
    path = judge(Property("reach", "api", "postgres", "postgres", 5432), live, LAYOUT, TABLE)
    assert path.verdict == "failed"


def test_exposure_is_judged_by_binding_and_by_what_answers_on_each_address() -> None:
    boxes = as_rendered()
    boxes = [b for b in boxes if b.part not in ("ingress", "postgres")] + [
        box("ingress", {"to-api": "10.0.0.2"}, p8080=("0.0.0.0", 25080)),
        box("postgres", {"to-postgres": "10.0.1.2"}, p5432=("0.0.0.0", 25432)),
    ]
    live = live_with(boxes)
    live.host = {
        ("127.0.0.1", 25080): "open",
        (GATEWAY, 25080): "open",
        ("127.0.0.1", 25432): "open",
        (GATEWAY, 25432): "open",
    }
    public = Property("exposure", target="ingress", service="ingress", port=8080, detail="public")
    assert judge(public, live, LAYOUT, TABLE).verdict == "verified"
    operator = Property("exposure", "", "postgres", "postgres", 5432, "operator")
    judged = judge(operator, live, LAYOUT, TABLE)
    assert judged.verdict == "failed" and "published on 0.0.0.0, not 127.0.0.1" in judged.reason


def test_an_internal_member_on_a_network_with_nat_fails() -> None:
    live = live_with(as_rendered())
    live.networks = {n: (n.startswith("to-") and n != "to-api", False) for n in LAYOUT.networks}
    prop = Property("internet", target="postgres", detail="data")
    assert judge(prop, live, LAYOUT, TABLE).verdict == "verified"
    live.networks["ops-postgres"] = (False, True)
    assert judge(prop, live, LAYOUT, TABLE).verdict == "failed"


def test_public_domains_are_not_emulable_and_the_report_counts_them() -> None:
    live = live_with(as_rendered())
    public = judge(Property("domain", detail="stage.example.com"), live, LAYOUT, TABLE)
    assert public.verdict == "not emulable" and "DNS" in public.reason
    report = net.parity(ENV, [Property("domain", detail="stage.example.com")], live)
    assert isinstance(report, net.Parity) and report.percent == 0.0
    assert "0 verified live, 1 not emulable locally, 0 failed" in report.table()
    assert report.document()["properties"][0]["verdict"] == "not emulable"
