"""What every benchmark shares: its own servers, the raw JetStream reference, a printed report."""

import asyncio
import platform
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from ..servers import MongoServer, NatsServer


@dataclass(frozen=True)
class Servers:
    nats: NatsServer
    mongo: MongoServer
    folder: Path


@contextmanager
def servers() -> Iterator[Servers]:
    with tempfile.TemporaryDirectory(prefix="terrain-bench-") as folder:
        root = Path(folder)
        nats_server = NatsServer(data_dir=root / "nats", log_path=root / "nats.log").start()
        mongo = MongoServer(data_dir=root / "mongo", log_path=root / "mongo.log").start()
        try:
            yield Servers(nats_server, mongo, root)
        finally:
            mongo.stop()
            nats_server.stop()


@dataclass(frozen=True)
class RawJetStream:
    messages: int
    payload_bytes: int
    publish_per_second: float
    consume_per_second: float


async def raw_jetstream(
    url: str, messages: int = 20_000, payload_bytes: int = 500, batch: int = 256
) -> RawJetStream:
    """nats-py alone: async publish with acks, then pull fetch + ack, on a file-backed stream."""
    connection = await nats.connect(url)
    js: JetStreamContext = connection.jetstream()
    await js.add_stream(StreamConfig(name="BENCH_RAW", subjects=["bench.raw"], storage=StorageType.FILE))
    body = b"x" * payload_bytes
    try:
        started = time.perf_counter()
        for _ in range(messages):
            await js.publish_async("bench.raw", body)
        await js.publish_async_completed()
        publish_rate = messages / (time.perf_counter() - started)

        subscription = await js.pull_subscribe(
            "bench.raw",
            durable="raw",
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, max_ack_pending=batch * 4),
        )
        received, started = 0, time.perf_counter()
        while received < messages:
            for message in await subscription.fetch(batch, timeout=5):
                await message.ack()
                received += 1
        consume_rate = messages / (time.perf_counter() - started)
    finally:
        await js.delete_stream("BENCH_RAW")
        await connection.close()
    return RawJetStream(messages, payload_bytes, publish_rate, consume_rate)


def machine() -> str:
    processor = platform.processor() or platform.machine()
    return f"{platform.node()} · {processor} · Python {platform.python_version()}"


def print_report(title: str, raw: RawJetStream, rows: list[tuple[str, float, str]]) -> None:
    """rows: (what, value, unit); rates in messages/s get a ratio to raw JetStream consume."""
    print(f"\n{title}\n{'=' * len(title)}\nmachine: {machine()}")
    print(
        f"raw JetStream (nats-py, {raw.messages} msgs of {raw.payload_bytes} B): "
        f"publish {raw.publish_per_second:,.0f}/s, pull consume+ack {raw.consume_per_second:,.0f}/s"
    )
    for what, value, unit in rows:
        ratio = f"  ({value / raw.consume_per_second:.1%} of raw consume)" if unit == "msg/s" else ""
        print(f"  {what:<48} {value:>12,.1f} {unit}{ratio}")


def main() -> None:
    with servers() as running:
        raw = asyncio.run(raw_jetstream(running.nats.url))
        print_report("Raw JetStream reference", raw, [])


if __name__ == "__main__":
    main()
