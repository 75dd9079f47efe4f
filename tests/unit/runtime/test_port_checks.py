"""Port checks before start: a taken port is named, with its holder and the fix."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator

import pytest

from greenroom.errors import PortInUseError
from greenroom.runtime.ports import check_ports, ephemeral_range, port_holder, port_is_free


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_a_listening_port_is_not_free(listening_port: int) -> None:
    assert not port_is_free(listening_port)


def test_a_closed_port_is_free() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert port_is_free(port)


def test_taken_port_error_names_port_service_holder_and_fix(listening_port: int) -> None:
    with pytest.raises(PortInUseError) as caught:
        check_ports({"postgres": {5432: listening_port}}, env_name="dev")
    message = str(caught.value)
    assert f"port {listening_port} (postgres:5432)" in message
    assert f"pid {os.getpid()}" in message or "another process" in message
    assert "--set exposure.port_base=" in message
    assert caught.value.exit_code != 0


def test_ports_already_held_by_the_replica_itself_are_fine(listening_port: int) -> None:
    check_ports({"postgres": {5432: listening_port}}, own=[listening_port], env_name="dev")


def test_holder_of_our_own_socket_is_this_process(listening_port: int) -> None:
    holder = port_holder(listening_port)
    assert holder is None or str(os.getpid()) in holder


def test_ephemeral_range_is_read_from_the_kernels_setting(tmp_path) -> None:
    setting = tmp_path / "ip_local_port_range"
    setting.write_text("32768\t60999\n")
    assert ephemeral_range(setting) == range(32768, 61000)
    assert ephemeral_range(tmp_path / "absent") is None


def test_a_port_held_by_an_outgoing_connection_says_so_and_how_to_avoid_it(
    listening_port: int,
) -> None:
    with socket.create_connection(("127.0.0.1", listening_port)) as client:
        lent = client.getsockname()[1]
        ephemeral = ephemeral_range()
        if ephemeral is None or lent not in ephemeral or shutil.which("ss") is None:
            pytest.skip("no ephemeral range reported, or no `ss` to tell listeners apart")
        with pytest.raises(PortInUseError) as caught:
            check_ports({"api": {8000: lent}}, env_name="stage")
    message = str(caught.value)
    assert f"port {lent} (api:8000) is taken by an outgoing connection" in message
    assert f"below {ephemeral.start}" in message
    assert "--set exposure.port_base=" in message
