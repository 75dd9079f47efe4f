"""A team's own project, outside this repo: plain Dockerfiles, a prebuilt image, its own tests.

The project lives in a temporary folder with its own git repository, as a new user's would; every
command runs there as that user types it.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from greenroom_cli import greenroom_in

BASE = """\
project: byo
zones:
  app: {}
  data: {internal: true}
exposure: {publish: all, port_base: 22000}
components:
  redis: {}
services:
  web:
    build: web
    port: 8000
    health: /healthz
    depends_on: [redis]
  tool:
    build: {context: tool, dockerfile: Containerfile, args: {GREETING: hello}}
    health: null
  proxy:
    image: nginx:1.26
    port: 80
    health: /
"""

WEB_DOCKERFILE = """\
FROM python:3.13-slim
WORKDIR /srv
COPY server.py .
CMD ["python", "server.py"]
"""

WEB_SERVER = """\
import http.server

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok" if self.path == "/healthz" else b"byo web"
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

http.server.ThreadingHTTPServer(("", 8000), Handler).serve_forever()
"""

TOOL_DOCKERFILE = """\
FROM debian:trixie
ARG GREETING
RUN printf '#!/bin/sh\\necho %s from tool\\nexec sleep infinity\\n' "$GREETING" \\
    > /usr/local/bin/tool && chmod +x /usr/local/bin/tool
CMD ["/usr/local/bin/tool"]
"""

TEAM_TEST = """\
import urllib.request


def test_web_answers(service_urls):
    with urllib.request.urlopen(service_urls["web"] + "/", timeout=5) as answer:
        assert answer.read() == b"byo web"


def test_redis_is_shared(redis_client):
    redis_client.set("byo", "1")
    assert redis_client.get("byo") == b"1"
"""

FAILING_TEST = """\
def test_the_teams_own_check():
    assert 1 + 1 == 3, "the team's own check failed: arithmetic is off"
"""


def _run(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return greenroom_in(project, *args, ledger=project / "ledger.jsonl", check=check, timeout=600)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("byo-project")
    (root / "envs").mkdir()
    (root / "envs" / "base.yaml").write_text(BASE)
    (root / "envs" / "dev.yaml").write_text("name: dev\n")
    (root / "web").mkdir()
    (root / "web" / "Dockerfile").write_text(WEB_DOCKERFILE)
    (root / "web" / "server.py").write_text(WEB_SERVER)
    (root / "tool").mkdir()
    (root / "tool" / "Containerfile").write_text(TOOL_DOCKERFILE)
    (root / "tests" / "smoke").mkdir(parents=True)
    (root / "tests" / "smoke" / "test_team.py").write_text(TEAM_TEST)
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "a team's project"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *argv],
            cwd=root,
            check=True,
            capture_output=True,
        )
    _run(root, "up", "dev")
    try:
        yield root
    finally:
        _run(root, "down", "dev", "--volumes", "--yes", check=False)


def test_smoke_runs_the_teams_tests_and_records_every_image(project: Path) -> None:
    done = _run(project, "test", "smoke", "--env", "dev")
    output = done.stdout + done.stderr
    assert "test_web_answers" in output or "passed" in output
    (entry,) = [json.loads(line) for line in (project / "ledger.jsonl").read_text().splitlines()]
    assert entry["result"] == "pass"
    assert set(entry["images"]) == {"web", "tool", "proxy"}
    assert all(digest.startswith("sha256:") for digest in entry["images"].values())
    assert len(set(entry["images"].values())) == 3
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert entry["commit"].startswith(commit[:7])


def test_a_failing_team_test_fails_the_suite_with_its_own_message(project: Path) -> None:
    failing = project / "tests" / "smoke" / "test_failing.py"
    failing.write_text(FAILING_TEST)
    try:
        done = _run(project, "test", "smoke", "--env", "dev", check=False)
    finally:
        failing.unlink()
    assert done.returncode != 0
    assert "arithmetic is off" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_an_unchanged_project_builds_nothing_on_the_next_up(project: Path) -> None:
    before = subprocess.run(
        ["docker", "images", "-q", "--filter", "reference=greenroom-app/byo-*"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    done = _run(project, "up", "dev")
    assert "nothing to do" in done.stdout + done.stderr
    after = subprocess.run(
        ["docker", "images", "-q", "--filter", "reference=greenroom-app/byo-*"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert before == after


def _web_containers(project: Path) -> list[str]:
    return subprocess.run(
        ["docker", "ps", "-aq", "--filter", "label=com.docker.compose.service=web",
         "--filter", "label=dev.greenroom.project=byo"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip


def test_a_container_stopped_by_hand_is_started_again_by_the_next_up(project: Path) -> None:
    (web,) = _web_containers(project)
    subprocess.run(["docker", "stop", "-t", "1", web], check=True, capture_output=True)
    done = _run(project, "up", "dev")
    assert "nothing to do" not in done.stdout + done.stderr
    (web,) = _web_containers(project)
    state = subprocess.run(
        ["docker", "inspect", "-f", "{{.State.Status}}", web],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert state == "running"


def _web_answer(project: Path) -> bytes:
    document = json.loads(_run(project, "up", "dev", "--json").stdout)
    (web,) = [s for s in document["services"] if s["name"] == "web"]
    with urllib.request.urlopen(web["endpoint"] + "/", timeout=5) as answer:
        body: bytes = answer.read()
    return body


def test_an_edit_in_a_build_folder_is_built_and_run_by_the_next_up(project: Path) -> None:
    server = project / "web" / "server.py"
    server.write_text(WEB_SERVER.replace('b"byo web"', 'b"byo web, edited"'))
    try:
        done = _run(project, "up", "dev")
        assert "nothing to do" not in done.stdout + done.stderr
        assert _web_answer(project) == b"byo web, edited"
    finally:
        server.write_text(WEB_SERVER)
        _run(project, "up", "dev")
    assert _web_answer(project) == b"byo web"
