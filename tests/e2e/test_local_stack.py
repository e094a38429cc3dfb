"""The README's first command: every service ready, Ctrl-C stops everything cleanly."""

import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from terrain_dev.servers import free_port, port_in_use
from terrain_dev.stack import SERVICES
from terrain_dev.waiting import wait_until

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def ready(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
        return response.status == 200


def start_up(data_dir: Path, ports: dict[str, int], base: int, output: Path) -> subprocess.Popen:
    """``./terrain up --no-demo`` on these ports, its output into ``output``."""
    arguments = {
        "--data-dir": str(data_dir),
        "--nats-port": str(ports["nats"]),
        "--nats-monitor-port": str(ports["monitor"]),
        "--mongo-port": str(ports["mongo"]),
        "--http-port-base": str(base),
    }
    with output.open("wb") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "terrain_dev",
                "up",
                "--no-demo",
                *(x for pair in arguments.items() for x in pair),
            ],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def test_up_brings_every_service_to_ready_and_ctrl_c_stops_everything(tmp_path):
    base = free_port()
    while any(port_in_use(base + offset) for _, _, offset in SERVICES):
        base = free_port()
    ports = {"nats": free_port(), "monitor": free_port(), "mongo": free_port()}
    output = tmp_path / "up.log"
    up = start_up(tmp_path / "data", ports, base, output)
    try:
        wait_until(
            lambda: "press Ctrl-C to stop" in output.read_text(),
            timeout=120,
            interval=0.2,
            what="the stack announces it is ready",
        )
        for name, _, offset in SERVICES:
            assert ready(base + offset), name

        up.send_signal(signal.SIGINT)
        assert up.wait(60) == 0
    finally:
        if up.poll() is None:
            up.kill()

    text = output.read_text()
    for name, _, _ in SERVICES:
        assert f"{name:<11}|" in text  # each process's lines, prefixed with its name
    assert text.rstrip().endswith("stopped")
    assert not any(port_in_use(port) for port in ports.values())
    assert not any(port_in_use(base + offset) for _, _, offset in SERVICES)


def test_up_refuses_a_busy_port_with_a_clear_message(tmp_path):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "terrain_dev",
                "up",
                "--data-dir",
                str(tmp_path),
                "--nats-port",
                str(busy),
                "--nats-monitor-port",
                str(free_port()),
                "--mongo-port",
                str(free_port()),
                "--http-port-base",
                str(free_port()),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"{busy} (nats)" in result.stderr
