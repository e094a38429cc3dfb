"""JetStream health as the service sees it: consumer lag, pending acks, stream leaders."""

import asyncio
import logging
from collections.abc import Callable, Iterable

from nats.js import JetStreamContext

from . import metrics
from .delivery import ConsumerRuntime

log = logging.getLogger(__name__)


async def watch_jetstream(
    runtimes: Iterable[ConsumerRuntime],
    streams: Iterable[str],
    jetstream: Callable[[], JetStreamContext],
    interval: float = 5.0,
) -> None:
    """Export what dashboards and autoscalers need, every ``interval`` seconds."""
    runtimes, streams = list(runtimes), sorted(streams)
    while True:
        for runtime in runtimes:
            try:
                info = await jetstream().consumer_info(runtime.consumer.stream, runtime.durable)
            except Exception as exc:
                log.warning(
                    "consumer info unavailable", extra={"consumer": runtime.durable, "error": repr(exc)}
                )
                continue
            metrics.CONSUMER_PENDING.labels(runtime.durable).set(info.num_pending or 0)
            metrics.CONSUMER_ACK_PENDING.labels(runtime.durable).set(info.num_ack_pending or 0)
            metrics.CONSUMER_REDELIVERED.labels(runtime.durable).set(info.num_redelivered or 0)
        for stream in streams:
            try:
                info = await jetstream().stream_info(stream)
                # A standalone server has no cluster block; in a cluster the leader is named.
                present = info.cluster is None or bool(info.cluster.leader)
            except Exception as exc:
                log.warning("stream info unavailable", extra={"stream": stream, "error": repr(exc)})
                present = False
            metrics.STREAM_LEADER.labels(stream).set(1 if present else 0)
        await asyncio.sleep(interval)
