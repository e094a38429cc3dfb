"""Reading what actually happened on the servers, for tests and the demo."""

from dataclasses import dataclass

import terrain_kit.deadletters as deadletters
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from terrain_contracts import DeadLetter
from terrain_contracts.headers import MSG_ID


@dataclass(frozen=True)
class Stored:
    sequence: int
    subject: str
    data: bytes
    headers: dict[str, str]

    @property
    def msg_id(self) -> str | None:
        return self.headers.get(MSG_ID)


async def stored_messages(js: JetStreamContext, stream: str, subject: str | None = None) -> list[Stored]:
    """Every message a stream holds (optionally of one subject), in order."""
    found: list[Stored] = []
    sequence = 1
    while True:
        try:
            # next by subject (every subject by default) steps over deleted messages, as erasure leaves
            msg = await js.get_msg(stream, sequence, subject=subject or ">", next=True)
        except NotFoundError:
            return found
        # nats.py types a stored message's sequence and subject as optional: a stored message has both.
        assert msg.seq is not None and msg.subject is not None
        found.append(Stored(msg.seq, msg.subject, msg.data or b"", dict(msg.headers or {})))
        sequence = msg.seq + 1


async def dead_letters(js: JetStreamContext, consumer: str | None = None) -> list[DeadLetter]:
    try:
        return [record async for _, record in deadletters.records(js, consumer)]
    except NotFoundError:
        return []


async def consumer_settled(js: JetStreamContext, stream: str, durable: str) -> bool:
    """Everything in the stream was delivered to the consumer and acknowledged (or terminated)."""
    info = await js.consumer_info(stream, durable)
    return info.num_pending == 0 and info.num_ack_pending == 0
