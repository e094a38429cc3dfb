"""Messages the server gave up on: its MAX_DELIVERIES advisories, captured in the ADVISORIES stream.

A message whose handler crashes the process or hangs every time never reaches the kit's own
dead-lettering; the server stops after ``max_deliveries`` and says so in an advisory. The advisory is
stored in a stream (nothing is lost if no replica was up then); one durable consumer per service reads
them and dead-letters its own consumers' messages with the reason.
"""

import json
import logging
from typing import Any

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.js.api import AckPolicy as ServerAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from terrain_contracts import streams

from . import deadletters, metrics
from .delivery import ConsumerRuntime, pull_inbox

log = logging.getLogger(__name__)


async def dead_letter(runtime: ConsumerRuntime, advisory: dict[str, Any]) -> None:
    """The server gave up on a message of ``runtime``'s consumer: record it as dead, with the reason."""
    stream, sequence = advisory["stream"], advisory["stream_seq"]
    deliveries = advisory.get("deliveries", 0)
    stored = await runtime.jetstream().get_msg(stream, sequence)
    record = deadletters.build(
        runtime.service,
        runtime.durable,
        stored.subject or "",  # typed optional by nats.py; a stored message has one
        stream,
        sequence,
        stored.data or b"",
        stored.headers,
        attempts=deliveries,
        error_type="MaxDeliveriesExceeded",
        reason=f"delivered {deliveries} times without acknowledgement: the handler crashed or timed out",
    )
    await deadletters.publish(runtime.jetstream(), record)
    metrics.EVENTS_CONSUMED.labels(runtime.durable, "dead_lettered").inc()
    metrics.DEAD_LETTERS.labels(runtime.durable, "max_deliveries").inc()
    log.error(
        "message dead-lettered",
        extra={
            "consumer": runtime.durable,
            "subject": record.subject,
            "cause": "max_deliveries",
            "reason": record.reason,
        },
    )


ADVISORY_FILTER = f"{streams.MAX_DELIVERIES_ADVISORY}.>"


def advisories_consumer(service: str) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=f"{service}-advisories",
        ack_policy=ServerAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=30,
        max_deliver=20,
        filter_subject=ADVISORY_FILTER,
    )


def subscribe_advisories(broker: NatsBroker, service: str, runtimes: dict[str, ConsumerRuntime]) -> None:
    """One durable consumer per service over the captured advisories; each service acts on its own."""
    config = advisories_consumer(service)

    async def on_advisory(msg: NatsMessage) -> None:
        advisory = json.loads(msg.body)
        runtime = runtimes.get(advisory.get("consumer", ""))
        if runtime is not None:  # another service's consumer otherwise
            await dead_letter(runtime, advisory)

    broker.subscriber(
        ADVISORY_FILTER,
        stream=JStream(name=streams.ADVISORIES, declare=False),
        durable=config.durable_name,
        config=config,
        pull_sub=PullSub(batch_size=16, timeout=1.0),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        include_in_schema=False,
        inbox_prefix=pull_inbox(service),
    )(on_advisory)
