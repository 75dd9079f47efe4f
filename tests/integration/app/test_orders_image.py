"""The app's image, built as greenroom builds it, runs its roles as a non-root PID 1."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from orders_harness import APP_DIR, Role, Stack, free_port, http, require_images, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

IMAGE = "greenroom/orders-app:test"
SECRETS = {"PGPASSWORD_FILE": "/run/secrets/pg", "REDIS_PASSWORD_FILE": "/run/secrets/redis"}


@pytest.fixture(scope="module")
def image() -> str:
    """Built once; an unchanged app/ reuses the image (greenroom keys it by content)."""
    require_images(["python"])
    from greenroom.images import build_app_image

    build_app_image(APP_DIR, IMAGE)
    return IMAGE


def _docker_args(app_env: dict[str, str], **overrides: str) -> list[str]:
    """Host networking reaches the test's containers on 127.0.0.1; secrets mounted read-only."""
    env = {k: v for k, v in app_env.items() if k not in ("PATH", "HOME", "PYTHONPATH", "TMPDIR")}
    args = ["--network", "host"]
    for var, target in SECRETS.items():
        args += ["-v", f"{Path(env.pop(var))}:{target}:ro", "-e", f"{var}={target}"]
    for key, value in {**env, **overrides}.items():
        args += ["-e", f"{key}={value}"]
    return args


@pytest.fixture
def container() -> Iterator[list[str]]:
    """Names of containers a test starts; each removed afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        subprocess.run(["docker", "rm", "-f", "-v", name], capture_output=True, check=False)


def test_image_contract(image: str) -> None:
    config = json.loads(
        subprocess.run(
            ["docker", "image", "inspect", image], capture_output=True, text=True, check=True
        ).stdout
    )[0]["Config"]
    assert config["User"] not in ("", "0", "root", "0:0")
    assert config["Entrypoint"] == ["/opt/app/bin/python", "-m", "orders"]
    assert set(config["ExposedPorts"]) == {"8000/tcp", "8001/tcp"}
    leftover = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "/bin/sh", image, "-c", "test -e /wheels"],
        capture_output=True,
        check=False,
    )
    assert leftover.returncode == 1, "the wheelhouse stayed in the final image"


def test_image_migrates_serves_and_stops_gracefully(
    image: str,
    container: list[str],
    app_env: dict[str, str],
    stack: Stack,
    worker: Role,
) -> None:
    migrate = subprocess.run(
        ["docker", "run", "--rm", *_docker_args(app_env), image, "migrate"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert "migrations up to date" in migrate.stdout

    port = free_port()
    name = f"orders-it-api-{stack.uid}"
    container.append(name)
    subprocess.run(
        ["docker", "run", "-d", "--name", name, *_docker_args(app_env, PORT=str(port)), image],
        capture_output=True,
        check=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for("containerised api healthy", lambda: http("GET", f"{url}/healthz")[0] == 200)
    status, _, body = http("POST", f"{url}/orders", {"sku": "IMG", "quantity": 1, "customer": "c"})
    assert status == 201

    def receipted() -> bool:
        return http("GET", f"{url}/orders/{body['id']}")[2].get("status") == "receipted"

    wait_for("order from the containerised api receipted", receipted)

    subprocess.run(["docker", "stop", "-t", "30", name], capture_output=True, check=True)
    state = subprocess.run(
        ["docker", "inspect", "-f", "{{.State.ExitCode}}", name],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True, check=True)
    text = logs.stdout + logs.stderr
    assert state == "0", text
    assert '"message": "api stopped"' in text
    assert stack.pg_password not in text and stack.redis_password not in text
