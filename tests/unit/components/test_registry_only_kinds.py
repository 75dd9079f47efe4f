"""OpenSearch and Grafana: rendered for a registry; without one, the replica runs the rest and
says what it left out (no engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from greenroom.model import load_environment
from greenroom.model.absent import closure, without
from greenroom.render.compose import render_project
from greenroom.render.workdir import context_for
from greenroom.suites.network.parity import Live, declared, judge, parity

ROOT = Path(__file__).resolve().parents[3]
EXTRA = [
    "components.search.kind=opensearch",
    "components.search.indices=[{name: orders, shards: 2}]",
    "components.grafana.kind=grafana",
    "services.indexer.build=app",
    "services.indexer.port=8002",
    "services.indexer.depends_on=[search]",
]


def _prod() -> Any:
    return load_environment("prod", root=ROOT, overrides=EXTRA)


def test_both_render_for_a_registry_with_their_pinned_image_and_generated_files() -> None:
    env = _prod()
    files = render_project(env, context_for(env, ROOT)).files
    services = yaml.safe_load(files["compose.yaml"])["services"]
    assert services["search"]["image"] == "greenroom/opensearch:2.19"
    assert services["search"]["environment"]["discovery.type"] == "single-node"
    assert services["search"]["environment"]["OPENSEARCH_JAVA_OPTS"] == "-Xms512m -Xmx512m"
    assert services["grafana"]["image"] == "greenroom/grafana:11.6"
    sources = yaml.safe_load(files["grafana/datasources.yaml"])["datasources"]
    assert sources == [
        {
            "name": "prometheus",
            "type": "prometheus",
            "access": "proxy",
            "url": "http://prometheus:9090",
            "isDefault": True,
        }
    ]
    assert "to-prometheus" in services["grafana"]["networks"]


def test_a_part_that_cannot_run_takes_what_depends_on_it_along_and_nothing_else() -> None:
    env = _prod()
    why = "image missing"
    gone = closure(env, {"search": why})
    assert gone == {"indexer": "it depends on search, which cannot run here", "search": why}
    reduced = without(env, gone)
    assert "search" not in reduced.components and "indexer" not in reduced.services
    assert set(reduced.services) == set(env.services) - {"indexer"}
    files = render_project(reduced, context_for(reduced, ROOT)).files
    assert not {"search", "indexer"} & set(yaml.safe_load(files["compose.yaml"])["services"])
    assert without(env, {}) is env


def test_the_parity_report_lists_each_part_left_out_as_not_emulable_with_why() -> None:
    env = _prod()
    gone = closure(env, {"grafana": "no registry"})
    reduced = without(env, gone)
    props = declared(reduced, gone)
    (row,) = [p for p in props if p.kind == "absent"]
    assert row.text == "grafana runs in the replica"
    live = Live(env=reduced, boxes=[], absent=gone)
    judged = judge(row, live, None, {})  # type: ignore[arg-type]
    assert (judged.verdict, judged.reason) == (
        "not emulable",
        "it cannot run on this machine: no registry",
    )
    assert "grafana" not in {p.source for p in props if p.kind in ("reach", "closed")}
    report = parity(reduced, [row], live)
    assert report.count("not emulable") == 1
