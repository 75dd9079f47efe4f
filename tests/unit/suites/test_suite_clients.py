"""Suite clients give up on a dead component instead of retrying it forever."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from greenroom.components.nats.connection import NatsConnection


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.timeout(30)
def test_a_dead_nats_server_is_an_error_not_a_hang() -> None:
    conn = NatsConnection(url=f"nats://127.0.0.1:{_closed_port()}", token=None, auth=False)

    async def use(nc: Any) -> str:
        return "connected"

    with pytest.raises(Exception, match="no servers available"):
        conn.run(use)
