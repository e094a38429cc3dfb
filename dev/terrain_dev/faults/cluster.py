"""A NATS cluster of real nats-server processes on loopback, and the faults it can suffer."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nats.js import JetStreamContext

from ..servers import NatsServer, free_port


@dataclass
class NatsCluster:
    """``size`` nodes routed to each other (one node: a plain server, no cluster)."""

    root: Path
    size: int = 3
    name: str = "terrain-faults"
    nodes: list[NatsServer] = field(default_factory=list)

    def __post_init__(self) -> None:
        cluster_ports = [free_port() for _ in range(self.size)] if self.size > 1 else [None]
        for i, port in enumerate(cluster_ports):
            self.nodes.append(
                NatsServer(
                    data_dir=self.root / f"nats-{i}",
                    log_path=self.root / f"nats-{i}.log",
                    server_name=f"{self.name}-{i}",
                    cluster_name=self.name,
                    cluster_port=port,
                    routes=[p for p in cluster_ports if p != port and p is not None],
                )
            )

    @property
    def url(self) -> str:
        """Every node, comma-separated: what clients and services are given."""
        return ",".join(node.url for node in self.nodes)

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self, timeout: float = 30.0) -> "NatsCluster":
        # Together: a node of a cluster is healthy only once a quorum elected a meta leader.
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            for future in [pool.submit(node.start, timeout) for node in self.nodes]:
                future.result()
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def kill(self, index: int) -> None:
        """SIGKILL one node: no goodbye to its peers or clients."""
        self.nodes[index].kill()

    def restart(self, index: int, timeout: float = 60.0) -> None:
        """Start a stopped node again on its ports and data; healthy once its streams caught up."""
        self.nodes[index].start(timeout)

    def index_of(self, server_name: str) -> int:
        return [node.server_name for node in self.nodes].index(server_name)

    async def leader(self, js: JetStreamContext, stream: str) -> int:
        """The node leading ``stream`` (its replicas' Raft leader)."""
        info = await js.stream_info(stream)
        if info.cluster is None or not info.cluster.leader:
            return 0
        return self.index_of(info.cluster.leader)
