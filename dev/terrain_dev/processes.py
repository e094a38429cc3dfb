"""Services as real processes: start, wait for readiness, stop gracefully or kill; the console's sign-ins."""

import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pymongo import MongoClient
from pymongo.errors import OperationFailure

from .waiting import NotYet, wait_until


@dataclass
class ServiceProcess:
    name: str
    module: str
    port: int
    env: dict[str, str]
    log_path: Path | None = None
    on_line: Callable[[str, str], None] | None = None  # (service name, line), for prefixed terminal output
    cwd: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True, timeout: float = 60.0) -> "ServiceProcess":
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        out: int | IO[bytes]
        if self.on_line is not None:
            out = subprocess.PIPE
        elif self.log_path is not None:
            out = open(self.log_path, "ab")
        else:
            out = subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module],
            env=env,
            cwd=self.cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if self.on_line is not None:
            threading.Thread(target=self._pump, args=(self.on_line,), daemon=True).start()
        if wait:
            self.wait_ready(timeout)
        return self

    @property
    def _popen(self) -> subprocess.Popen:
        if self.process is None:
            raise RuntimeError(f"{self.name} was not started")
        return self.process

    def _pump(self, on_line: Callable[[str, str], None]) -> None:
        for raw in self._popen.stdout or ():
            on_line(self.name, raw.decode(errors="replace").rstrip("\n"))

    def wait_ready(self, timeout: float = 60.0) -> None:
        wait_until(self._ready, timeout=timeout, what=f"{self.name} ready on port {self.port}", interval=0.1)

    def _ready(self) -> bool:
        if self._popen.poll() is not None:
            where = f"; see {self.log_path}" if self.log_path else ""
            raise RuntimeError(f"{self.name} exited with code {self._popen.returncode} before ready{where}")
        try:
            with urllib.request.urlopen(f"{self.base_url}/readyz", timeout=1) as response:
                return response.status == 200
        except urllib.error.HTTPError as exc:
            raise NotYet(f"readyz answered {exc.code}") from exc
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            raise NotYet(str(exc)) from exc

    @property
    def running(self) -> bool:
        return self.process is not None and self._popen.poll() is None

    def stop(self, timeout: float = 30.0) -> int | None:
        if not self.running:
            return self.process.returncode if self.process else None
        self._popen.send_signal(signal.SIGTERM)
        try:
            return self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        if self.running:
            self._popen.kill()
            self._popen.wait(10)

    def wait_exit(self, timeout: float) -> int:
        return self._popen.wait(timeout)


# The console's demo sign-ins: the demo company's people by their job (others sign in as viewers).
CONSOLE_ROLES = {"pm": "pm", "director": "director", "product_ops": "product_ops"}


def console_people(password: str) -> list[dict[str, str | None]]:
    """Everyone of the demo's company (dev/terrain_dev/demo/org.py) and an admin, as console sign-ins."""
    from .demo import org  # the demo imports the stack, which imports this module

    people: list[dict[str, str | None]] = [
        {
            "email": person.email,
            "name": person.name,
            "member_id": person.member_id,
            "role": CONSOLE_ROLES.get(person.role, "viewer"),
            "password": password,
        }
        for team in org.TEAMS
        for person in team.members
    ]
    admin = {"email": f"admin@{org.DOMAIN}", "name": "Terrain Admin", "member_id": None, "role": "admin"}
    return [*people, {**admin, "password": password}]


def sign_in_lines(url: str, password: str, people: list[dict[str, str | None]]) -> list[str]:
    """The console's URL, then the first person of each role."""
    lines = [f"console      {url}   sign in as (password {password}):"]
    seen: set[str | None] = set()
    for person in people:
        if person["role"] not in seen:
            seen.add(person["role"])
            lines.append(f"  {person['role']:<12} {person['email']}")
    return lines


def ensure_store_user(ops_uri: str, user: str, password: str, database: str) -> None:
    """A data folder made before the console has no store user for it: the ops user adds it."""
    client: MongoClient[dict[str, Any]] = MongoClient(ops_uri, serverSelectionTimeoutMS=5000)
    roles = [{"role": "readWrite", "db": database}]
    try:
        try:
            client[database].command("createUser", user, pwd=password, roles=roles)
        except OperationFailure:  # made with the data folder: keep it, with this password
            client[database].command("updateUser", user, pwd=password, roles=roles)
    finally:
        client.close()
