"""Replica identity: distinct per environment and checkout; images derived from the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from greenroom.model.environment import Environment
from greenroom.runtime.replica import infra_images, project_name


def _env(name: str = "dev", **extra: Any) -> Environment:
    data: dict[str, Any] = {
        "name": name,
        "project": "shop",
        "zones": {"data": {"internal": True}, "app": {}, "edge": {}},
        "secrets": {"pg": {"generate": True}},
        "components": {
            "postgres": {"password": {"secret": "pg"}},
            "aws": {"emulator": "moto"},
            "ingress": {"routes": [{"path": "/", "service": "api"}]},
        },
        "services": {"api": {"build": "app", "port": 8000}},
    }
    data.update(extra)
    return Environment.model_validate(data)


def test_project_names_differ_per_environment_and_checkout(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    names = {
        project_name(_env("dev"), one),
        project_name(_env("stage"), one),
        project_name(_env("dev"), two),
    }
    assert len(names) == 3
    assert project_name(_env("dev"), one) == project_name(_env("dev"), one)
    assert all(n.startswith("shop-") for n in names)


def test_images_follow_components_and_emulator_choice() -> None:
    assert infra_images(_env()) == ["moto", "nginx", "postgres", "python"]
