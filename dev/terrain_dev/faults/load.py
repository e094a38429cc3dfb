"""A steady load of feedback, published as a well-behaved producer does, with a ledger of what happened.

Each event is a ``feedback.submitted`` from its own customer account (seeded
beforehand with an ARR that makes negative feedback a churn risk), so every
acknowledged event must end as exactly one stored item, one
``feedback.ingested``, one ``feedback.classified``, one churn-risk insight and
one webhook: effects can be counted per event.

The producer publishes with ``Nats-Msg-Id`` = event id and, like any producer
that must not lose data, retries until it gets a PubAck (the same id, so a
retry of a publish that was stored after all is stored once). *Acknowledged*
means the PubAck arrived.
"""

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_contracts.events.feedback import (
    CustomerRef,
    FeedbackKind,
    FeedbackSubmitted,
    FeedbackSubmittedData,
    Reporter,
    ReporterRole,
)
from terrain_contracts.headers import MSG_ID
from terrain_contracts.types import Money
from terrain_feedback.domain.items import feedback_id

SOURCE = "faults"
COMPLAINTS = (
    "Exports keep failing and the dashboard is broken; this is unacceptable, we are thinking of cancelling.",
    "The sync is painfully slow and keeps crashing, our team is frustrated and angry about it.",
    "Billing shows the wrong totals again, a terrible experience; we may not renew.",
    "Reports are unusable since the last release: errors everywhere, a nightmare for our analysts.",
)


async def _expected(exc: Exception) -> None:
    """A killed node refuses connections until it is back: expected here (nats-py prints a traceback)."""


def account_id(run: str, index: int) -> str:
    return f"acct-{run}-{index:05d}"


def submission(run: str, index: int, occurred_at: datetime | None = None) -> FeedbackSubmitted:
    return FeedbackSubmitted.create(
        FeedbackSubmittedData(
            source=SOURCE,
            external_id=f"{run}-{index:05d}",
            kind=FeedbackKind.customer,
            reporter=Reporter(
                name=f"Customer {index}",
                email=f"user{index}@customer{index}.example.com",
                role=ReporterRole.customer,
            ),
            customer=CustomerRef(account_id=account_id(run, index)),
            text=f"{COMPLAINTS[index % len(COMPLAINTS)]} (ticket {run}-{index})",
            occurred_at=occurred_at or datetime.now(UTC),
        ),
        source=SOURCE,
    )


def account_event(run: str, index: int) -> AccountUpdated:
    return AccountUpdated.create(
        AccountUpdatedData(
            account=Account(
                account_id=account_id(run, index),
                name=f"Customer {index} ({run})",
                domains=[f"customer{index}.example.com"],
                arr=Money(amount_minor=12_000_000, currency="EUR"),
                plan="enterprise",
                segment="enterprise",
                renewal_date=date.today() + timedelta(days=365),
            )
        ),
        source=SOURCE,
    )


@dataclass
class Sent:
    index: int
    event_id: str
    feedback_id: str
    account_id: str
    first_attempt_at: float  # wall clock
    acknowledged_at: float | None = None
    attempts: int = 0
    duplicate_ack: bool = False  # the PubAck said the id was already stored: an earlier attempt landed
    healthy: bool = True  # False for the poison and malformed ones: they must end as dead letters instead


@dataclass
class Load:
    """Publishes ``count`` events at ``rate`` per second; ``sent`` is the ledger."""

    servers: list[str]
    run: str
    rate: float
    publish_timeout: float = 2.0
    give_up_after: float = 120.0
    sent: dict[int, Sent] = field(default_factory=dict)
    _nc: Client | None = None

    async def connect(self) -> JetStreamContext:
        self._nc = await nats.connect(
            self.servers,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            connect_timeout=2,
            name=f"faults-load-{self.run}",
            error_cb=_expected,
        )
        return self._nc.jetstream()

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()

    async def seed_accounts(self, js: JetStreamContext, indexes: range) -> None:
        events = [account_event(self.run, i) for i in indexes]
        for start in range(0, len(events), 200):
            acks = [
                await js.publish_async(e.subject, e.to_json(), headers={MSG_ID: str(e.id)})
                for e in events[start : start + 200]
            ]
            await asyncio.gather(*acks)

    async def run_for(
        self, js: JetStreamContext, indexes: range, on_tick: "asyncio.Queue[int] | None" = None
    ) -> None:
        """Publish the events of ``indexes`` at the rate, each retried until acknowledged."""
        started = time.monotonic()
        tasks = []
        for n, index in enumerate(indexes):
            delay = started + n / self.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.publish(js, index, submission(self.run, index))))
            if on_tick is not None:
                on_tick.put_nowait(n + 1)
        await asyncio.gather(*tasks)

    async def publish(
        self,
        js: JetStreamContext,
        index: int,
        event: FeedbackSubmitted,
        payload: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Sent:
        """``payload`` or ``headers`` given: a bad event, expected to end as a dead letter."""
        record = Sent(
            index,
            str(event.id),
            feedback_id(SOURCE, event.data.external_id),
            event.data.customer.account_id or "",
            time.time(),
            healthy=payload is None and headers is None,
        )
        self.sent[index] = record
        deadline = time.monotonic() + self.give_up_after
        while time.monotonic() < deadline:
            record.attempts += 1
            try:
                ack = await js.publish(
                    event.subject,
                    event.to_json() if payload is None else payload,
                    timeout=self.publish_timeout,
                    headers={MSG_ID: record.event_id, **(headers or {})},
                )
            except Exception:
                # No leader for the moment, connection lost, timeout: the same id again, stored once.
                await asyncio.sleep(0.25)
                continue
            record.acknowledged_at = time.time()
            record.duplicate_ack = bool(ack.duplicate)
            return record
        return record

    def acknowledged(self) -> list[Sent]:
        """The healthy events the producer got a PubAck for."""
        return [s for s in self.sent.values() if s.acknowledged_at is not None and s.healthy]
