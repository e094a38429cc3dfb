"""The ports the project's servers are given."""

import socket

import pytest
from terrain_dev.servers import PORTS_FROM, _ephemeral_low, free_port

pytestmark = pytest.mark.unit


def test_a_free_port_is_bindable_and_below_the_ephemeral_range_outbound_connections_use():
    ports = {free_port() for _ in range(20)}

    assert all(PORTS_FROM <= port < _ephemeral_low() for port in ports)
    assert len(ports) > 1  # chosen at random, not one fixed port
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
