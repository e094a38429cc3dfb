"""The sync worker: creates the issues asked for on commit, outside any transaction, each once.

Each replica runs one. A creation is claimed atomically (``store.tracker.claim``), the tracker is called,
and the issue key is recorded with ``initiative.tracker_linked`` in one transaction. A failure the tracker
may get over (unreachable, 429, 5xx) is retried with backoff up to ``max_attempts``; a refusal (bad
project, no permission) or the last failure leaves the creation ``failed`` with the reason and a dead
letter carrying the ``initiative.status_changed`` that asked for it (``./terrain dlq replay`` asks again).
A retry first searches for the issue a lost answer may have created, so no initiative gets two.
"""

import asyncio
import logging
from datetime import timedelta
from functools import partial
from typing import Any

import httpx
from terrain_contracts import DeadLetter, streams, subjects
from terrain_contracts.events.initiative import InitiativeStatusChanged, TrackerLinkOrigin
from terrain_contracts.headers import MSG_ID
from terrain_kit import deadletters
from terrain_kit.errors import DomainError
from terrain_kit.service import Service
from terrain_kit.uow import UnitOfWork

from ...domain.tracker import IssueRef, Tracker, TrackerError
from ...handlers import tracker as handlers
from ...handlers.context import Context
from ...settings import TrackerSettings
from ...store import initiatives as initiative_store
from ...store import tracker as store
from .jira import JiraTracker
from .metrics import CREATIONS

log = logging.getLogger(__name__)
CONSUMER = "initiatives-tracker"


def build(settings: TrackerSettings, client: httpx.AsyncClient) -> Tracker | None:
    """The configured adapter (a new tracker: one module and one line here)."""
    if settings.kind == "jira":
        return JiraTracker(settings.jira, client)
    return None


class TrackerSync:
    def __init__(self, settings: TrackerSettings, context: Context) -> None:
        self.settings = settings
        self.context = context
        # No redirects: the site URL is configured, never taken from a request.
        self.client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
        self.tracker = build(settings, self.client)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        # Called once a creation was committed: the worker looks at once instead of after a poll.
        self._wake.set()

    async def run(self, service: Service) -> None:
        """Background task of every replica (nothing to do without a tracker)."""
        try:
            while self.tracker is not None:
                try:
                    await self._publish_dead_letters(service)
                    doc = await store.claim(
                        service.db, service.instance, self.context.now(), self.settings.claim_seconds
                    )
                except Exception as exc:
                    log.warning("could not claim issue creations", extra={"error": repr(exc)})
                    doc = None
                if doc is None:
                    await self._idle()
                    continue
                try:
                    await self.sync(service, self.tracker, doc)
                except Exception:
                    # Recording failed (MongoDB away): the claim expires and the creation is tried again.
                    log.exception("issue creation not recorded", extra={"initiative": doc["_id"]})
        finally:
            await self.client.aclose()

    async def _idle(self) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=self.settings.poll_seconds)
        except TimeoutError:
            pass
        self._wake.clear()

    async def sync(self, service: Service, tracker: Tracker, doc: dict[str, Any]) -> None:
        initiative = await initiative_store.get(UnitOfWork.read_only(service.db), doc["_id"])
        if initiative is None or initiative.get("tracker"):
            await service.transactions.run(lambda uow: store.finish(uow, doc["_id"], {"state": "done"}))
            return
        try:
            ref = await tracker.find_issue(doc["_id"]) if doc["claims"] > 1 else None
            ref = ref or await tracker.create_issue(handlers.new_issue(initiative))
        except TrackerError as error:
            await self._failed(service, doc, error)
            return
        await self._record(service, tracker, doc, ref)

    async def _record(self, service: Service, tracker: Tracker, doc: dict[str, Any], ref: IssueRef) -> None:
        cause = InitiativeStatusChanged.parse(doc["cause"])
        record = partial(
            handlers.record_link,
            initiative_id=doc["_id"],
            tracker=tracker.name,
            ref=ref,
            origin=TrackerLinkOrigin.created,
            by=f"{tracker.name}-sync",
            now=self.context.now(),
            cause=cause,
        )
        try:
            await service.transactions.run(lambda uow: record(uow))
        except DomainError as refused:  # linked by hand to another issue while this one was created
            log.warning(
                "created issue not linked",
                extra={"initiative": doc["_id"], "issue": ref.key, "reason": refused.reason},
            )
            await service.transactions.run(lambda uow: store.finish(uow, doc["_id"], {"state": "done"}))
            return
        CREATIONS.labels(tracker.name, "created").inc()
        log.info("tracker issue created", extra={"initiative": doc["_id"], "issue": ref.key})

    async def _failed(self, service: Service, doc: dict[str, Any], error: TrackerError) -> None:
        attempts = doc["attempts"] + 1
        name = self.tracker.name if self.tracker else "none"
        if error.retryable and attempts < self.settings.max_attempts:
            delays = self.settings.backoff_seconds
            at = self.context.now() + timedelta(seconds=delays[min(attempts, len(delays)) - 1])
            await service.transactions.run(lambda uow: store.retry_at(uow, doc, at, error.reason))
            CREATIONS.labels(name, "retried").inc()
            log.warning(
                "tracker call failed, will retry", extra={"initiative": doc["_id"], "error": error.reason}
            )
            return
        reason = error.reason if not error.retryable else f"gave up after {attempts} attempts: {error.reason}"
        record = deadletters.build(
            service=service.name,
            consumer=CONSUMER,
            subject=subjects.INITIATIVE_STATUS_CHANGED,
            stream=streams.INITIATIVES,
            sequence=0,
            payload=doc["cause"].encode(),
            headers={},
            attempts=attempts,
            reason=reason,
            error_type="TrackerRefused" if not error.retryable else "TrackerExhausted",
        )
        fields = {
            "state": "failed",
            "attempts": attempts,
            "last_error": reason,
            "dead_letter": {"record": record.model_dump(mode="json"), "published": False},
        }
        cause_id = str(InitiativeStatusChanged.parse(doc["cause"]).id)

        async def fail(uow: UnitOfWork) -> None:
            await store.finish(uow, doc["_id"], fields)
            await store.forget_processed(uow, CONSUMER, cause_id)  # so that `dlq replay` asks again

        await service.transactions.run(fail)
        CREATIONS.labels(name, "failed").inc()
        log.error("tracker issue not created", extra={"initiative": doc["_id"], "reason": reason})
        await self._publish_dead_letters(service)

    async def _publish_dead_letters(self, service: Service) -> None:
        """Publish recorded dead letters not yet in the stream (also after a crash between the two)."""
        for doc in await store.unpublished_dead_letters(service.db):
            record = DeadLetter.model_validate(doc["dead_letter"]["record"])
            await service.jetstream().publish(
                subjects.deadletter(record.service, record.consumer),
                record.model_dump_json().encode(),
                stream=streams.DEADLETTER,
                # One record per failed creation, however often publishing it is retried.
                headers={MSG_ID: f"dlq.{CONSUMER}.{doc['_id']}.{record.dead_lettered_at.timestamp()}"},
            )
            await store.dead_letter_published(service.db, doc["_id"])
