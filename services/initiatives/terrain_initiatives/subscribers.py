"""Durable consumers: parse the contract, call a handler; nothing else."""

from collections.abc import Callable

from terrain_contracts.events.feedback import FeedbackClassified, FeedbackErased, FeedbackIngested
from terrain_contracts.events.initiative import InitiativeStatusChanged
from terrain_contracts.events.insight import InsightDetected, InsightUpdated
from terrain_contracts.events.notification import NotificationLoopClosed
from terrain_kit.consumers import Consumers
from terrain_kit.uow import UnitOfWork

from .handlers import kpis, projections, tracker
from .handlers.context import Context


def declare(context: Context, wake_tracker: Callable[[], None] = lambda: None) -> Consumers:
    consumers = Consumers("initiatives")

    @consumers.on(FeedbackIngested, FeedbackErased, durable="initiatives-feedback", batch=True)
    async def on_feedback(events: list[FeedbackIngested | FeedbackErased], uow: UnitOfWork) -> None:
        """Feedback facts (account, ARR, revision) for evidence summaries; erased feedback is unlinked."""
        await projections.apply_feedback(uow, events, context.weights, context.now())

    @consumers.on(InsightDetected, InsightUpdated, durable="initiatives-insights")
    async def on_insight(event: InsightDetected | InsightUpdated, uow: UnitOfWork) -> None:
        """Insights of the themes initiatives cover, shown as link suggestions."""
        await projections.apply_insight(uow, event)

    @consumers.on(InitiativeStatusChanged, durable="initiatives-tracker")
    async def on_status_changed(event: InitiativeStatusChanged, uow: UnitOfWork) -> None:
        """A committed initiative gets its tracker issue (created by the sync worker, after the commit)."""
        if await tracker.on_status_changed(uow, event, context.now()):
            uow.after_commit(wake_tracker)

    @consumers.on(FeedbackClassified, durable="initiatives-classified", batch=True)
    async def on_classified(events: list[FeedbackClassified], uow: UnitOfWork) -> None:
        """KPIs: which team each item reached and when (triage is measured from then)."""
        await kpis.apply_classified(uow, events)

    @consumers.on(NotificationLoopClosed, durable="initiatives-loops", batch=True)
    async def on_loop_closed(events: list[NotificationLoopClosed], uow: UnitOfWork) -> None:
        """KPIs: the reporters told that what they reported shipped (loop-closure rate)."""
        await kpis.apply_loops_closed(uow, events)

    return consumers
