"""Dead letters: the record of a message that could not be processed, and the tool to replay it.

    terrain-deadletters --nats nats://127.0.0.1:4222 list [--consumer insights-classifier]
    terrain-deadletters replay 12 13          # or: replay --all [--consumer X]

A replay republishes the original payload on its original subject with a
``Terrain-Replay-For`` header naming the consumer that failed: only that
consumer processes it, the others of the subject skip it. The dead letter
is then removed from the stream.
"""

import argparse
import asyncio
import base64
import sys
from collections.abc import AsyncIterator

import nats
from nats.errors import NoServersError
from nats.js import JetStreamContext
from nats.js.api import PubAck, RawStreamMsg
from nats.js.errors import NotFoundError
from terrain_contracts import DeadLetter, streams, subjects
from terrain_contracts.headers import MSG_ID, REPLAY_FOR
from terrain_contracts.types import utcnow

_NOT_REPLAYED = (MSG_ID, "Nats-Expected-Stream", "Nats-Expected-Last-Msg-Id", "Nats-Expected-Last-Sequence")
# A record must fit in one message of the dead-letter stream (1 MiB, NATS's default maximum payload too),
# yet a payload that fitted its own stream grows in the record: base64 (binary) or JSON escapes (quotes,
# control characters) up to 6x. Past this size the payload is cut; the original stays in its stream.
MAX_RECORD_BYTES = 256 * 1024


def build(
    service: str,
    consumer: str,
    subject: str,
    stream: str,
    sequence: int,
    payload: bytes,
    headers: dict | None,
    attempts: int,
    reason: str,
    error_type: str,
) -> DeadLetter:
    try:
        text, encoding = payload.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(payload).decode(), "base64"
    record = DeadLetter(
        service=service,
        consumer=consumer,
        subject=subject,
        stream=stream,
        stream_sequence=sequence,
        attempts=attempts,
        reason=reason[:2000] or error_type,
        error_type=error_type[:256],
        payload=text,
        payload_encoding=encoding,
        headers=dict(headers or {}),
        dead_lettered_at=utcnow(),
    )
    keep = len(text)
    while len(record.model_dump_json()) > MAX_RECORD_BYTES and keep:
        keep //= 2
        cut = keep - keep % 4 if encoding == "base64" else keep  # base64 stays decodable
        record = record.model_copy(update={"payload": text[:cut], "payload_truncated": True})
    return record


async def publish(js: JetStreamContext, record: DeadLetter) -> PubAck:
    return await js.publish(
        subjects.deadletter(record.service, record.consumer),
        record.model_dump_json().encode(),
        stream=streams.DEADLETTER,
        # One record per failed message, however often the dead-lettering itself is retried.
        headers={MSG_ID: f"dlq.{record.consumer}.{record.stream}.{record.stream_sequence}"},
    )


async def records(js: JetStreamContext, consumer: str | None = None) -> AsyncIterator[tuple[int, DeadLetter]]:
    """Every dead letter in stream order, with its sequence in the dead-letter stream."""
    wanted = f"{subjects.DEADLETTER_PREFIX}.*.{consumer}" if consumer else subjects.DEADLETTER_ALL
    sequence = 1
    while True:
        try:
            stored = await js.get_msg(streams.DEADLETTER, sequence, subject=wanted, next=True)
        except NotFoundError:
            return
        sequence, data = _sequence_and_data(stored)
        yield sequence, DeadLetter.model_validate_json(data)
        sequence += 1


def _sequence_and_data(stored: RawStreamMsg) -> tuple[int, bytes]:
    """A stored message's sequence and body (nats.py types both optional; a stored message has them)."""
    if stored.seq is None or stored.data is None:
        raise ValueError(f"not a stored message: {stored!r}")
    return stored.seq, stored.data


def original_payload(record: DeadLetter) -> bytes:
    if record.payload_encoding == "base64":
        return base64.b64decode(record.payload)
    return record.payload.encode("utf-8")


async def replay(js: JetStreamContext, sequence: int) -> DeadLetter:
    _, data = _sequence_and_data(await js.get_msg(streams.DEADLETTER, sequence))
    record = DeadLetter.model_validate_json(data)
    headers = {k: v for k, v in record.headers.items() if k not in _NOT_REPLAYED}
    headers |= {REPLAY_FOR: record.consumer, MSG_ID: f"replay.{sequence}"}
    if record.payload_truncated:  # only its start is in the record: the original is still in its stream
        payload = (await js.get_msg(record.stream, record.stream_sequence)).data or b""
    else:
        payload = original_payload(record)
    await js.publish(record.subject, payload, stream=record.stream, headers=headers)
    await js.delete_msg(streams.DEADLETTER, sequence)
    return record


async def _quiet(exc: Exception) -> None:
    """nats-py prints a traceback per failed attempt by default; one clear message is enough."""


async def _run(args: argparse.Namespace) -> int:
    try:
        nc = await nats.connect(
            args.nats,
            user=args.user,
            password=args.password,
            allow_reconnect=False,
            connect_timeout=3,
            error_cb=_quiet,
        )
    except (NoServersError, OSError) as exc:
        print(
            f"terrain-deadletters: cannot reach NATS at {args.nats} ({exc}); is the stack running?",
            file=sys.stderr,
        )
        return 1
    js = nc.jetstream()
    try:
        if args.command == "list":
            shown = 0
            async for sequence, record in records(js, args.consumer):
                print(
                    f"{sequence:>6}  {record.dead_lettered_at:%Y-%m-%d %H:%M:%S}  {record.consumer:<28} "
                    f"{record.subject:<40} attempts={record.attempts}  {record.reason[:120]}"
                )
                shown += 1
                if shown >= args.limit:
                    break
            print(f"{shown} dead letter(s)", file=sys.stderr)
        else:
            chosen = list(args.sequences)
            if args.all:
                chosen = [seq async for seq, _ in records(js, args.consumer)]
            for sequence in chosen:
                record = await replay(js, sequence)
                print(f"replayed {sequence}: {record.subject} for {record.consumer}")
    finally:
        await nc.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="terrain-deadletters", description=__doc__.split("\n\n")[0])
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--user")
    parser.add_argument("--password")
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="show dead letters, oldest first")
    listing.add_argument("--consumer")
    listing.add_argument("--limit", type=int, default=100)
    again = sub.add_parser("replay", help="republish dead letters to the consumer that failed them")
    again.add_argument("sequences", nargs="*", type=int)
    again.add_argument("--all", action="store_true")
    again.add_argument("--consumer")
    args = parser.parse_args(argv)
    if args.command == "replay" and not (args.sequences or args.all):
        parser.error("name dead-letter sequences or use --all")
    return asyncio.run(_run(args))


if __name__ == "__main__":
    sys.exit(main())
