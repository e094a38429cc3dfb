"""The notifier's durable consumers: parse contract -> call a handler, nothing else."""

from terrain_contracts import Event
from terrain_contracts.events.feedback import FeedbackErased, FeedbackIngested
from terrain_contracts.events.initiative import InitiativeShipped
from terrain_contracts.events.insight import InsightDetected, InsightResolved, InsightUpdated
from terrain_contracts.events.team import TEAM_STATE_EVENTS, TeamDeleted
from terrain_kit.consumers import Consumers
from terrain_kit.uow import UnitOfWork

from .handlers import followups, insights, loops, projections, rituals
from .handlers.context import Context


def declare(context: Context) -> Consumers:
    consumers = Consumers("notifier")

    @consumers.on(InsightDetected, InsightUpdated, InsightResolved, durable="notifier-insights", batch=True)
    async def route_insights(
        events: list[InsightDetected | InsightUpdated | InsightResolved], uow: UnitOfWork
    ) -> None:
        """Route insights to the owning PMs, subscribers and rules, and record their notifications."""
        await insights.on_insights(uow, context, list(events))

    @consumers.on(*TEAM_STATE_EVENTS, TeamDeleted, durable="notifier-teams", batch=True)
    async def project_teams(events: list[Event], uow: UnitOfWork) -> None:
        """Keep the notifier's projection of teams, members and product-area ownership."""
        await projections.apply_teams(uow, events)

    @consumers.on(FeedbackIngested, FeedbackErased, durable="notifier-reporters", batch=True)
    async def project_reporters(events: list[FeedbackIngested | FeedbackErased], uow: UnitOfWork) -> None:
        """Keep who reported each feedback item and the customer's words; drop erased ones."""
        await projections.apply_feedback(uow, context, events)

    @consumers.on(InitiativeShipped, durable="notifier-loops")
    async def close_loops(event: InitiativeShipped, uow: UnitOfWork) -> None:
        """Tell every reporter of a shipped initiative's feedback, once each."""
        await loops.on_shipped(uow, context, event)

    @consumers.on(*followups.LIFECYCLE_EVENTS, durable="notifier-followups")
    async def tell_reporters(event: Event, uow: UnitOfWork) -> None:
        """Keep which feedback each initiative links; tell its reporters it was committed, is in progress
        or was dropped (the steps each opted into)."""
        await followups.on_lifecycle(uow, context, event)

    @consumers.on(*rituals.PLANNING_EVENTS, durable="notifier-planning")
    async def tell_planning(event: Event, uow: UnitOfWork) -> None:
        """Dependency requests, answers and overdue ones, the quarter's phases: to the people each
        concerns, with why."""
        await rituals.on_ritual(uow, context, event)

    @consumers.on(*rituals.BALLOT_EVENTS, durable="notifier-ballots")
    async def tell_ballots(event: Event, uow: UnitOfWork) -> None:
        """Ballots opened (directors), closing soon (directors who have not voted), closed (results)."""
        await rituals.on_ritual(uow, context, event)

    return consumers
