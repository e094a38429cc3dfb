"""The system under test: a NATS cluster, the Mongo-wire server, replicas of the four services as
processes (``python -m terrain_<service>``, configured by environment only) and the webhook receiver.

Everything listens on loopback and lives in one folder; ``System`` is a context manager that stops
(or kills) every process it started, also when a scenario fails.
"""

import json
import secrets
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..processes import ServiceProcess
from ..servers import MongoServer, free_port
from ..stack import SERVICES
from .cluster import NatsCluster
from .receiver import Receiver

WEBHOOK_SECRET = "whsec_" + "ZmF1bHRzLXN1aXRlLXdlYmhvb2stc2VjcmV0LTEyMzQ1Njc4"


@dataclass(frozen=True)
class Topology:
    nats_nodes: int = 3
    replicas: int = 2  # of every service
    # Shorter than the kit's defaults so a killed replica's messages come back within the suite's
    # patience; every other setting is the service's default.
    ack_wait_seconds: float = 10.0
    claim_seconds: float = 15.0
    extra_env: dict[str, str] = field(default_factory=dict)  # "{SERVICE}_..." keys apply to every service


class System:
    def __init__(self, root: Path, topology: Topology) -> None:
        self.root = root
        self.topology = topology
        self.admin_key = f"faults-admin-{secrets.token_urlsafe(16)}"
        self.cluster = NatsCluster(root, size=topology.nats_nodes)
        self.mongo = MongoServer(data_dir=root / "mongo", log_path=root / "mongo.log")
        self.receiver = Receiver()
        self.services: dict[str, list[ServiceProcess]] = {}
        (root / "logs").mkdir(parents=True, exist_ok=True)

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> "System":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self.cluster.start()
        for attempt in range(3):
            try:
                self.mongo.start()
                break
            except RuntimeError:  # its free port was taken meanwhile (the machine is shared): another one
                if attempt == 2:
                    raise
                self.mongo = MongoServer(data_dir=self.root / "mongo", log_path=self.root / "mongo.log")
        self.receiver.start()
        rules = self.root / "rules.yaml"
        rules.write_text(
            yaml.safe_dump(
                {
                    "endpoints": {
                        "faults-hook": {
                            "channel": "webhook",
                            "url": self.receiver.url,
                            "secret": WEBHOOK_SECRET,
                        }
                    },
                    "routes": [{"name": "everything", "endpoints": ["faults-hook"]}],
                }
            )
        )
        for name, module, _ in SERVICES:
            self.services[name] = []
            for replica in range(self.topology.replicas):
                port = free_port()
                self.services[name].append(
                    ServiceProcess(
                        f"{name}-{replica}",
                        module,
                        port,
                        self.env_for(name, replica, port),
                        log_path=self.root / "logs" / f"{name}-{replica}.log",
                    )
                )
        processes = self.processes()
        for process in processes:
            process.start(wait=False)
        with ThreadPoolExecutor(len(processes)) as pool:
            for future in [pool.submit(p.wait_ready, 120) for p in processes]:
                future.result()

    def stop(self) -> None:
        processes = [p for p in self.processes() if p.process is not None]
        if processes:
            with ThreadPoolExecutor(len(processes)) as pool:
                list(pool.map(lambda p: p.stop(30), processes))
        self.receiver.stop()
        self.mongo.stop()
        self.cluster.stop()

    def processes(self) -> list[ServiceProcess]:
        return [p for replicas in self.services.values() for p in replicas]

    def env_for(self, name: str, replica: int, port: int) -> dict[str, str]:
        prefix = name.upper()
        env = {
            "NATS__URL": self.cluster.url,
            "NATS__STREAM_REPLICAS": str(min(3, self.topology.nats_nodes)),
            "MONGO__URI": self.mongo.uri,
            "HTTP__PORT": str(port),
            "ADMIN_KEY": self.admin_key,
            "INSTANCE": f"{name}-{replica}",
            "TELEMETRY__LOG_FORMAT": "text",
            "CONSUMER__ACK_WAIT_SECONDS": str(self.topology.ack_wait_seconds),
        }
        if name == "notifier":
            env |= {
                "RULES_FILE": str(self.root / "rules.yaml"),
                "SSRF_ALLOW": json.dumps(["127.0.0.1/32"]),
                # Every insight goes to the one endpoint: throttling would fold them into digests.
                "POLICY__THROTTLE_MAX": "1000000",
                "DISPATCH__CLAIM_SECONDS": str(self.topology.claim_seconds),
            }
        env = {f"{prefix}_{key}": value for key, value in env.items()}
        env |= {
            key.replace("{SERVICE}", prefix): value
            for key, value in self.topology.extra_env.items()
            if key.startswith("{SERVICE}") or key.startswith(prefix)
        }
        return env

    # -- faults ------------------------------------------------------------------------------

    def restart_mongo(self, kill: bool = True) -> None:
        """The Mongo-wire server goes away (SIGKILL, or SIGTERM) and comes back on the same port and data."""
        self.mongo.kill() if kill else self.mongo.stop()
        self.mongo.start()

    def rules_applied(self) -> bool:
        process = self.services["notifier"][0]
        request = urllib.request.Request(
            f"{process.base_url}/v1/rules", headers={"X-API-Key": self.admin_key}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return "faults-hook" in json.load(response)["rules"]["endpoints"]


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
