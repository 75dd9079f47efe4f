"""Prometheus, Alertmanager and postgres-exporter built locally keep the official contract."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from greenroom.images import CATALOG, IMAGE_NAMES, image_ref

Eventually = Callable[..., Any]
NOBODY = "65534"


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def _json(url: str) -> Any:
    status, body = _get(url)
    assert status == 200, body
    return json.loads(body)


def _readable(path: Path, text: str) -> Path:
    """A file any container user can read, bind-mounted over an image's default."""
    path.write_text(text)
    path.chmod(0o644)
    return path


def _uid(container: Any) -> str:
    code, out = container.exec_run(["id", "-u"])
    assert code == 0, out
    return str(out.decode().strip())


@pytest.mark.parametrize("name", [n for n in IMAGE_NAMES if not CATALOG[n].registry_only])
def test_no_image_declares_an_anonymous_volume(
    docker_client: Any, local_images: dict[str, str], name: str
) -> None:
    config = docker_client.images.get(image_ref(name)).attrs["Config"]
    assert not config.get("Volumes"), f"{name} declares {config.get('Volumes')}"


def test_prometheus_serves_its_default_config(run_container: Any, eventually: Eventually) -> None:
    container, ports = run_container(image_ref("prometheus"), [9090])
    base = f"http://127.0.0.1:{ports[9090]}"
    assert eventually(lambda: _get(f"{base}/-/ready"), container)[0] == 200

    def self_scraped() -> list[dict[str, Any]]:
        active = _json(f"{base}/api/v1/targets")["data"]["activeTargets"]
        assert [t["health"] for t in active] == ["up"], active
        return list(active)

    targets = eventually(self_scraped, container)
    assert targets[0]["labels"]["job"] == "prometheus"
    flags = _json(f"{base}/api/v1/status/flags")["data"]
    assert flags["config.file"] == "/etc/prometheus/prometheus.yml"
    assert flags["storage.tsdb.path"] == "/prometheus"
    assert _uid(container) == NOBODY
    code, out = container.exec_run(["sh", "-c", "ls /prometheus && promtool --version"])
    assert code == 0 and b"wal" in out, out


def test_prometheus_reads_a_mounted_config(
    run_container: Any, eventually: Eventually, tmp_path: Path
) -> None:
    config = _readable(
        tmp_path / "prometheus.yml",
        "global:\n  scrape_interval: 5s\n"
        "scrape_configs:\n"
        "  - job_name: rehearsal\n"
        "    static_configs:\n      - targets: ['localhost:9090']\n",
    )
    container, ports = run_container(
        image_ref("prometheus"),
        [9090],
        volumes={str(config): {"bind": "/etc/prometheus/prometheus.yml", "mode": "ro"}},
    )
    base = f"http://127.0.0.1:{ports[9090]}"
    assert eventually(lambda: _get(f"{base}/-/ready"), container)[0] == 200

    def jobs() -> list[str]:
        body = _json(f"{base}/api/v1/targets")
        assert body["status"] == "success" and body["data"]["activeTargets"], body
        return [t["labels"]["job"] for t in body["data"]["activeTargets"]]

    assert eventually(jobs, container) == ["rehearsal"]


def test_alertmanager_is_ready_with_a_mounted_config(
    run_container: Any, eventually: Eventually, tmp_path: Path
) -> None:
    config = _readable(
        tmp_path / "alertmanager.yml",
        "route:\n  receiver: rehearsal-pager\nreceivers:\n  - name: rehearsal-pager\n",
    )
    container, ports = run_container(
        image_ref("alertmanager"),
        [9093],
        volumes={str(config): {"bind": "/etc/alertmanager/alertmanager.yml", "mode": "ro"}},
    )
    base = f"http://127.0.0.1:{ports[9093]}"
    assert eventually(lambda: _get(f"{base}/-/ready"), container)[0] == 200
    status = _json(f"{base}/api/v2/status")
    assert "rehearsal-pager" in status["config"]["original"]
    assert _uid(container) == NOBODY
    code, out = container.exec_run(["sh", "-c", "test -w /alertmanager && amtool --version"])
    assert code == 0, out


def test_alertmanager_default_config_is_ready(run_container: Any, eventually: Eventually) -> None:
    container, ports = run_container(image_ref("alertmanager"), [9093])
    base = f"http://127.0.0.1:{ports[9093]}"
    assert eventually(lambda: _get(f"{base}/-/ready"), container)[0] == 200
    assert "web.hook" in _json(f"{base}/api/v2/status")["config"]["original"]


def test_postgres_exporter_sees_greenroom_postgres(
    private_network: str, run_container: Any, eventually: Eventually, tmp_path: Path
) -> None:
    postgres, _ = run_container(
        image_ref("postgres"),
        [],
        network=private_network,
        environment={"POSTGRES_USER": "watcher", "POSTGRES_PASSWORD": "pw-watch"},
    )
    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o755)
    password = _readable(secrets / "pg-pass", "pw-watch\n")
    by_name, name_ports = run_container(
        image_ref("postgres-exporter"),
        [9187],
        network=private_network,
        environment={
            "DATA_SOURCE_NAME": f"postgresql://watcher:pw-watch@{postgres.name}:5432/watcher"
            "?sslmode=disable"
        },
    )
    by_parts, parts_ports = run_container(
        image_ref("postgres-exporter"),
        [9187],
        network=private_network,
        environment={
            "DATA_SOURCE_URI": f"{postgres.name}:5432/watcher?sslmode=disable",
            "DATA_SOURCE_USER": "watcher",
            "DATA_SOURCE_PASS_FILE": "/run/secrets/pg-pass",
        },
        volumes={str(password): {"bind": "/run/secrets/pg-pass", "mode": "ro"}},
    )
    for exporter, ports in ((by_name, name_ports), (by_parts, parts_ports)):

        def up(port: int = ports[9187]) -> str:
            _, body = _get(f"http://127.0.0.1:{port}/metrics")
            assert "\npg_up 1\n" in body, [line for line in body.splitlines() if "pg_up" in line]
            return body

        assert "pg_stat_database" in eventually(up, exporter)
        assert _uid(exporter) == NOBODY
