"""Team app images: a folder with a Dockerfile and a lock, built on greenroom/python offline."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from greenroom.images import build_app_image

APP = Path(__file__).parent / "app"


def test_app_image_installs_its_lock_offline_and_is_cached(
    local_images: dict[str, str], docker_client: Any, tmp_path: Path
) -> None:
    context = tmp_path / "app"
    shutil.copytree(APP, context)
    tag = f"greenroom-test/app:{uuid.uuid4().hex[:8]}"
    built: list[str] = []
    try:
        first = build_app_image(context, tag)
        built.append(first)
        assert first.startswith("sha256:")
        out = docker_client.containers.run(tag, remove=True, network_disabled=True).decode()
        assert "app-ok six=1.17.0 crontab=" in out
        assert build_app_image(context, tag) == first
        main = context / "main.py"
        main.write_text(main.read_text().replace("app-ok", "app-changed"))
        second = build_app_image(context, tag)
        built.append(second)
        assert second != first
        out = docker_client.containers.run(tag, remove=True, network_disabled=True).decode()
        assert "app-changed" in out
    finally:
        for image_id in reversed(built):
            docker_client.images.remove(image_id, force=True)
