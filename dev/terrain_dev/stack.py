"""The local stack: nats-server, the Mongo-wire server, the four services and the console as processes."""

import json
import os
import secrets
import shutil
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terrain_kit.identity import Issuer

from .processes import ServiceProcess, console_people, ensure_store_user, sign_in_lines
from .servers import MongoServer, NatsServer, free_port, port_in_use

SERVICES: tuple[tuple[str, str, int], ...] = (  # name, module, offset from the HTTP port base
    ("feedback", "terrain_feedback", 1),
    ("initiatives", "terrain_initiatives", 2),
    ("insights", "terrain_insights", 3),
    ("notifier", "terrain_notifier", 4),
)
# The NATS users production has (generated from the services' declarations by `./terrain deploy write`); the
# local stack runs with the same file, so what the permissions refuse fails here first.
ACCOUNTS_CONF = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base" / "nats" / "accounts.conf"
# The console: a client of the services' HTTP APIs (no NATS user), with its own database (people, sessions).
CONSOLE: tuple[str, str, int] = ("console", "terrain_console", 5)
MONGO_USERS = (*(name for name, _, _ in SERVICES), CONSOLE[0], "ops")
NATS_USERS = (*(name for name, _, _ in SERVICES), "tools", "ops", "sys")
COLOURS = {
    "feedback": "36",
    "initiatives": "35",
    "insights": "33",
    "notifier": "32",
    "stack": "1",
    "demo": "34",
    "console": "94",
}


class PortBusy(Exception):
    pass


class Printer:
    """Each process's lines, prefixed with its name (coloured on a terminal)."""

    def __init__(self, colour: bool | None = None) -> None:
        self.colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ if colour is None else colour
        self._lock = threading.Lock()

    def line(self, name: str, text: str) -> None:
        """Print ``text`` under ``name``'s prefix: every line of a multi-line text gets the prefix."""
        prefix = f"{name:<11}|"
        if self.colour:
            prefix = f"\033[{COLOURS.get(name, '0')}m{prefix}\033[0m"
        lines = "\n".join(f"{prefix} {part}" for part in text.splitlines() or [""])
        with self._lock:
            print(lines, flush=True)


@dataclass
class StackConfig:
    root: Path = Path(".terrain")
    nats_port: int = 4222
    nats_monitor_port: int = 8222
    mongo_port: int = 27017
    http_port_base: int = 8100
    log_format: str = "text"
    console: bool = False  # `./terrain up` and the console's browser tests start it; other tests need not
    extra_env: dict[str, str] = field(default_factory=dict)  # to every service; {SERVICE}/{service} filled in

    @classmethod
    def on_free_ports(cls, root: Path, **options: Any) -> "StackConfig":
        """A stack beside any other (tests, benchmarks): every port one nobody listens on."""
        return cls(
            root=root,
            nats_port=free_port(),
            nats_monitor_port=free_port(),
            mongo_port=free_port(),
            http_port_base=free_port(),
            **options,
        )

    def ports(self) -> dict[str, int]:
        ports = {"nats": self.nats_port, "nats monitoring": self.nats_monitor_port, "mongo": self.mongo_port}
        ports |= {name: self.http_port_base + offset for name, _, offset in SERVICES}
        if self.console:
            ports[CONSOLE[0]] = self.http_port_base + CONSOLE[2]
        return ports


class Stack:
    def __init__(self, config: StackConfig, printer: Printer) -> None:
        self.config = config
        self.printer = printer
        self.nats: NatsServer | None = None
        self.mongo: MongoServer | None = None
        self.services: dict[str, ServiceProcess] = {}
        self.console: ServiceProcess | None = None

    @property
    def nats_server(self) -> NatsServer:
        """The started nats-server (``nats`` until then is None)."""
        if self.nats is None:
            raise RuntimeError("the stack's nats-server is not started")
        return self.nats

    @property
    def mongo_server(self) -> MongoServer:
        """The started Mongo-wire server."""
        if self.mongo is None:
            raise RuntimeError("the stack's Mongo-wire server is not started")
        return self.mongo

    def _secret_file(self, name: str, make: Callable[[], str]) -> str:
        """Generated on the first run and kept in .terrain/ (never committed), readable by its owner only."""
        path = self.config.root / name
        if not path.exists():
            self.config.root.mkdir(parents=True, exist_ok=True)
            path.touch(0o600)
            path.write_text(make())
        return path.read_text().strip()

    @property
    def admin_key(self) -> str:
        return self._secret_file("admin-key", lambda: f"terrain-admin-{secrets.token_urlsafe(24)}\n")

    @property
    def nats_passwords(self) -> dict[str, str]:
        """One password per NATS user (each service, tools, ops, sys),
        kept in .terrain/nats-passwords.json."""
        return json.loads(
            self._secret_file(
                "nats-passwords.json",
                lambda: json.dumps({user: secrets.token_hex(16) for user in NATS_USERS}, indent=2),
            )
        )

    @property
    def mongo_users(self) -> dict[str, tuple[str, str]]:
        """One store user per service (its own database only) and "ops" (everything), passwords kept in
        .terrain/mongo-passwords.json; created with the data folder."""
        passwords = json.loads(
            self._secret_file(
                "mongo-passwords.json",
                lambda: json.dumps({user: secrets.token_hex(16) for user in MONGO_USERS}, indent=2),
            )
        )
        return {
            user: (passwords[user], "admin" if user == "ops" else f"terrain_{user}") for user in MONGO_USERS
        }

    def mongo_uri_as(self, user: str) -> str:
        """The store as ``user``: a service (its database only) or "ops" (every database)."""
        return self.mongo_server.uri_as(user)

    @property
    def identity_issuer(self) -> Issuer:
        """Signs people's identity tokens (the services hold only its public key); kept in .terrain/."""
        return Issuer.from_pem(self._secret_file("identity-key.pem", lambda: Issuer.generate().private_pem()))

    @property
    def demo_password(self) -> str:
        """The demo people's console password (local stack only), kept in .terrain/."""
        return self._secret_file("console-demo-password", lambda: secrets.token_urlsafe(12) + "\n")

    def console_people(self) -> list[dict[str, str | None]]:
        """The demo's people and admin, and one field rep (Sam, sales: a rep's member id is their email)."""
        from .demo import org  # the demo imports the stack

        rep = {"email": org.SAM.email, "name": org.SAM.name, "member_id": org.SAM.email, "role": "sales"}
        people = console_people(self.demo_password)
        return [*people[:-1], {**rep, "password": self.demo_password}, people[-1]]

    def console_env(self) -> dict[str, str]:
        people = self.config.root / "console-people.json"
        if not people.exists():
            people.touch(0o600)
        people.write_text(json.dumps(self.console_people(), indent=2))
        self.identity_issuer  # noqa: B018 (writes .terrain/identity-key.pem on the first run)
        port = self.config.http_port_base + CONSOLE[2]
        return {
            "CONSOLE_MONGO__URI": self.mongo_uri_as(CONSOLE[0]),
            "CONSOLE_HTTP__PORT": str(port),
            "CONSOLE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "CONSOLE_IDENTITY_KEY_FILE": str((self.config.root / "identity-key.pem").resolve()),
            "CONSOLE_SEED_USERS_FILE": str(people.resolve()),
            "CONSOLE_TELEMETRY__LOG_FORMAT": self.config.log_format,
            **{
                f"CONSOLE_SERVICES__{name.upper()}": f"http://127.0.0.1:{self.config.http_port_base + offset}"
                for name, _, offset in SERVICES
            },
            **{
                key.replace("{SERVICE}", "CONSOLE"): value.replace("{service}", CONSOLE[0])
                for key, value in self.config.extra_env.items()
            },
        }

    def console_sign_ins(self) -> list[str]:
        """What `./terrain up` prints first: the console's URL, then one demo sign-in per role."""
        assert self.console is not None
        return sign_in_lines(self.console.base_url, self.demo_password, self.console_people())

    def nats_url_as(self, user: str) -> str:
        """The bus as ``user``: a service, "tools" (what a Sales/CS tool may do) or "ops" (everything)."""
        return f"nats://{user}:{self.nats_passwords[user]}@127.0.0.1:{self.nats_server.port}"

    def check_ports(self) -> None:
        busy = [f"{port} ({what})" for what, port in self.config.ports().items() if port_in_use(port)]
        if busy:
            raise PortBusy(
                f"port(s) already in use: {', '.join(busy)}.\n"
                "Another Terrain stack or another program holds them. Stop it, or choose other ports:\n"
                "  ./terrain up --nats-port 14222 --nats-monitor-port 18222 "
                "--mongo-port 27018 --http-port-base 9100"
            )

    def reset(self) -> None:
        for part in ("nats", "mongo", "logs"):
            shutil.rmtree(self.config.root / part, ignore_errors=True)

    def env_for(self, name: str) -> dict[str, str]:
        prefix = name.upper()
        return {
            f"{prefix}_NATS__URL": self.nats_server.url,
            f"{prefix}_NATS__USER": name,
            f"{prefix}_NATS__PASSWORD": self.nats_passwords[name],
            f"{prefix}_MONGO__URI": self.mongo_uri_as(name),
            f"{prefix}_IDENTITY__PUBLIC_KEYS": json.dumps([self.identity_issuer.public_pem()]),
            f"{prefix}_HTTP__PORT": str(
                self.config.http_port_base + dict((n, o) for n, _, o in SERVICES)[name]
            ),
            f"{prefix}_ADMIN_KEY": self.admin_key,
            f"{prefix}_TELEMETRY__LOG_FORMAT": self.config.log_format,
            **self._console_links(prefix),
            **{
                key.replace("{SERVICE}", prefix): value.replace("{service}", name)
                for key, value in self.config.extra_env.items()
            },
        }

    def _console_links(self, prefix: str) -> dict[str, str]:
        """With the console running, the notifier's messages link to its pages."""
        if not self.config.console or prefix != "NOTIFIER":
            return {}
        console = f"http://127.0.0.1:{self.config.ports()[CONSOLE[0]]}"
        return {"NOTIFIER_CONSOLE_URL": console, "NOTIFIER_FOLLOWUPS__FOLLOW_URL": f"{console}/my-feedback"}

    def _nats_config(self) -> Path:
        """The production users and permissions; no anonymous access
        (nats-server refuses a client without one)."""
        path = self.config.root / "nats.conf"
        path.write_text(
            f"# written by ./terrain up: the users of {ACCOUNTS_CONF.name}, passwords from the environment\n"
            + ACCOUNTS_CONF.read_text()
        )
        return path

    def start(self) -> None:
        logs = self.config.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.printer.line("stack", f"starting nats-server (JetStream, data in {self.config.root / 'nats'})")
        self.nats = NatsServer(
            data_dir=self.config.root / "nats",
            port=self.config.nats_port,
            monitor_port=self.config.nats_monitor_port,
            log_path=logs / "nats.log",
            config_file=self._nats_config(),
            environment={
                f"{user.upper()}_NATS_PASSWORD": password for user, password in self.nats_passwords.items()
            },
        ).start()
        self.printer.line(
            "stack", f"starting the Mongo-wire server (SecantusDB, data in {self.config.root / 'mongo'})"
        )
        self.mongo = MongoServer(
            data_dir=self.config.root / "mongo",
            port=self.config.mongo_port,
            log_path=logs / "mongo.log",
            users=self.mongo_users,
        ).start()
        for name, module, offset in SERVICES:
            self.services[name] = ServiceProcess(
                name,
                module,
                self.config.http_port_base + offset,
                self.env_for(name),
                on_line=self.printer.line,
            )
            self.services[name].start(wait=False)
        if self.config.console:
            password, database = self.mongo_users[CONSOLE[0]]
            ensure_store_user(self.mongo_uri_as("ops"), CONSOLE[0], password, database)
            name, module, offset = CONSOLE
            port = self.config.http_port_base + offset
            self.console = ServiceProcess(name, module, port, self.console_env(), on_line=self.printer.line)
            self.console.start(wait=False)
        processes = [*self.services.values(), *([self.console] if self.console else [])]
        with ThreadPoolExecutor(len(processes)) as pool:
            for future in [pool.submit(process.wait_ready, 90) for process in processes]:
                future.result()

    def __enter__(self) -> "Stack":
        try:
            self.start()
        except BaseException:
            self.stop()  # what did start
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def crashed(self) -> list[tuple[str, int]]:
        processes = {**self.services, **({CONSOLE[0]: self.console} if self.console else {})}
        return [
            (name, p.process.returncode)
            for name, p in processes.items()
            if p.process is not None and not p.running
        ]

    def stop(self) -> None:
        processes = [*self.services.values(), *([self.console] if self.console else [])]
        with ThreadPoolExecutor(max(1, len(processes))) as pool:
            list(pool.map(lambda process: process.stop(30), processes))
        for server in (self.mongo, self.nats):
            if server is not None:
                server.stop()
