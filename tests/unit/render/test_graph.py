"""The Mermaid and Graphviz diagrams: zones as subgraphs, shapes by kind, the edges that matter."""

from __future__ import annotations

import shutil

import pytest

from greenroom.errors import GreenroomError
from greenroom.render.graph import graphviz, mermaid, write_svg


def test_zones_are_subgraphs_and_internal_ones_say_so(make_env):
    text = mermaid(make_env())
    assert text.startswith("flowchart LR\n")
    assert '  subgraph zone_data["data (internal)"]' in text
    assert '  subgraph zone_app["app"]' in text
    assert '  subgraph zone_edge["edge"]' in text
    assert text.count("\n  end\n") == 3


def test_nodes_are_shaped_by_kind(make_env):
    text = mermaid(make_env())
    assert '    n_postgres[("postgres<br/>postgres 17 :5432")]' in text
    assert '    n_redis[("redis<br/>redis 8.0 :6379")]' in text
    assert '    n_nats[["nats<br/>nats 2.10 :4222<br/>JetStream: ORDERS"]]' in text
    assert '    n_ingress{{"ingress<br/>nginx 1.26 :8080"}}' in text
    assert '    n_migrate(["migrate<br/>one-shot"])' in text
    assert '    n_api["api<br/>:8000"]' in text
    assert '    n_worker["worker<br/>health :8001"]' in text


def test_edges_for_dependencies_routes_and_subscriptions(make_env):
    text = mermaid(make_env())
    assert "  n_api -->|after| n_migrate\n" in text
    assert "  n_api --> n_postgres\n" in text
    assert "  n_ingress -->|/| n_api\n" in text
    assert "  n_aws_sns_order_events -->|fanout| n_aws_sqs_order_events\n" in text
    assert "  n_ingress --> n_api\n" not in text


def test_only_what_is_published_faces_the_internet(make_env):
    stage = mermaid(make_env())
    assert [line for line in stage.splitlines() if line.startswith("  internet -->")] == [
        "  internet --> n_ingress"
    ]
    dev = mermaid(make_env(exposure={"publish": "all", "services": []}))
    faced = {line.split()[-1] for line in dev.splitlines() if line.startswith("  internet -->")}
    assert faced == {"n_api", "n_aws", "n_ingress", "n_nats", "n_postgres", "n_redis", "n_worker"}


def test_the_read_replica_streams_from_the_primary(make_env):
    text = mermaid(make_env(components={"postgres": {"read_replica": True}}))
    assert "  n_postgres -.->|streaming| n_postgres_replica\n" in text


def test_graphviz_draws_the_same_graph(make_env):
    text = graphviz(make_env())
    assert text.startswith('digraph "shop-stage" {')
    assert "  subgraph cluster_data {" in text
    assert '    label="data (internal)"; style=rounded;' in text
    assert '    n_postgres [label="postgres\\npostgres 17 :5432", shape=cylinder];' in text
    assert '  n_ingress -> n_api [label="/"];' in text


def test_diagrams_are_stable(make_env):
    assert mermaid(make_env()) == mermaid(make_env())
    assert graphviz(make_env()) == graphviz(make_env())


def test_svg_without_graphviz_says_how_to_install_it(make_env, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GreenroomError, match="Graphviz is not installed") as caught:
        write_svg(make_env(), tmp_path / "graph.svg")
    assert caught.value.hint and "apt-get install graphviz" in caught.value.hint


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_svg_is_written_by_dot(make_env, tmp_path):
    path = write_svg(make_env(), tmp_path / "graph.svg")
    assert "<svg" in path.read_text()
