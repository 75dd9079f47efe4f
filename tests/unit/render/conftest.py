"""A small shop-like environment built in code, so renderer tests need neither files nor Docker."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from greenroom.model.environment import Environment
from greenroom.render import RenderContext, allocate_ports

SHOP: dict[str, Any] = {
    "name": "stage",
    "project": "shop",
    "zones": {"edge": {}, "app": {}, "data": {"internal": True}},
    "exposure": {"publish": "listed", "services": ["ingress"], "port_base": 25000},
    "secrets": {"pg-password": {"generate": True}, "redis-password": {"generate": True}},
    "components": {
        "postgres": {"database": "shop", "user": "shop", "password": {"secret": "pg-password"}},
        "redis": {"password": {"secret": "redis-password"}},
        "nats": {
            "streams": [
                {
                    "name": "ORDERS",
                    "subjects": ["orders.>"],
                    "consumers": [{"name": "orders-worker", "filter_subject": "orders.created"}],
                }
            ]
        },
        "aws": {
            "buckets": [{"name": "shop-receipts"}],
            "queues": [{"name": "order-events"}, {"name": "order-audit"}],
            "topics": [
                {
                    "name": "order-events",
                    "subscriptions": [{"name": "fanout", "queue": "order-events"}],
                }
            ],
        },
        "ingress": {"routes": [{"path": "/", "service": "api"}]},
    },
    "services": {
        "migrate": {
            "build": "app",
            "command": ["migrate"],
            "one_shot": True,
            "depends_on": ["postgres"],
        },
        "api": {
            "build": "app",
            "command": ["api"],
            "port": 8000,
            "depends_on": ["migrate", "postgres", "redis", "nats", "aws"],
            "env": {"RATE_LIMIT_PER_MINUTE": "600"},
            "secrets": {"PGPASSWORD": "pg-password"},
        },
        "worker": {
            "build": "app",
            "command": ["worker"],
            "health_port": 8001,
            "depends_on": ["migrate", "postgres", "redis", "nats", "aws"],
        },
    },
}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture
def make_env() -> Callable[..., Environment]:
    """`make_env(components={"redis": {"auth": True}})`: the shop environment, changed."""

    def make(**changes: Any) -> Environment:
        return Environment.model_validate(_merge(SHOP, changes))

    return make


@pytest.fixture
def context() -> Callable[..., RenderContext]:
    """The render context a caller would build: allocated ports and catalogue images."""

    def build(env: Environment, **extra: Any) -> RenderContext:
        return RenderContext(
            project=f"{env.project}-{env.name}",
            images={"postgres": "greenroom/postgres:17", "nginx": "greenroom/nginx:1.26"},
            app_images={"api": "sha256:feedface", "worker": "sha256:feedface"},
            host_ports=allocate_ports(env),
            **extra,
        )

    return build


@pytest.fixture(autouse=True)
def _users_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering is read as a user's replica would be: no test namespace, no port shift."""
    monkeypatch.delenv("GREENROOM_NAMESPACE", raising=False)
