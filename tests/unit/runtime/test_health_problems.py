"""What makes a replica unhealthy: the one check behind `inv status` and the no-op `inv up`."""

from __future__ import annotations

from typing import Any

from greenroom.model.environment import Environment
from greenroom.runtime.containers import ContainerInfo, problems

ENV = Environment.model_validate(
    {
        "name": "dev",
        "project": "shop",
        "zones": {"data": {}, "app": {}},
        "secrets": {"pg": {"generate": True}},
        "components": {"postgres": {"password": {"secret": "pg"}}},
        "services": {
            "migrate": {"build": "app", "one_shot": True},
            "api": {"build": "app", "port": 8000, "replicas": 2},
        },
    }
)


def box(service: str, n: int = 1, **state: Any) -> ContainerInfo:
    fields: dict[str, Any] = {"status": "running", "health": "healthy", "exit_code": 0}
    fields.update(state)
    return ContainerInfo(
        id=f"{service}{n}", name=f"shop-{service}-{n}", service=service, image="sha256:x",
        created="0", ports={}, **fields,
    )  # fmt: skip


HEALTHY = [
    box("postgres"),
    box("migrate", status="exited", health=None),
    box("api", 1),
    box("api", 2),
]


def test_a_healthy_replica_has_no_problem() -> None:
    assert problems(ENV, HEALTHY) == []


def test_each_problem_is_named() -> None:
    containers = [
        box("postgres", health="unhealthy"),
        box("migrate", status="exited", health=None, exit_code=1),
        box("api", 1),
    ]
    assert problems(ENV, containers) == [
        "shop-postgres-1",
        "api (1/2 healthy)",
        "shop-migrate-1",
    ]


def test_missing_containers_are_named() -> None:
    assert problems(ENV, []) == [
        "postgres (no container)",
        "api (no container)",
        "migrate (no container)",
    ]
