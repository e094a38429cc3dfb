"""Consumer declarations: parse the contract, call a handler, nothing else."""

from terrain_contracts import Event
from terrain_contracts.events.feedback import FeedbackErased, FeedbackIngested
from terrain_contracts.events.initiative import (
    InitiativeCreated,
    InitiativeDropped,
    InitiativeFeedbackLinked,
    InitiativeFeedbackUnlinked,
    InitiativeShipped,
    InitiativeStatusChanged,
    InitiativeUpdated,
)
from terrain_contracts.events.team import TEAM_STATE_EVENTS, TeamDeleted
from terrain_kit.consumers import Consumers
from terrain_kit.uow import UnitOfWork

from .handlers import feedback, projections
from .handlers.context import Context


def declare(context: Context) -> Consumers:
    consumers = Consumers("insights")

    @consumers.on(FeedbackIngested, durable="insights-classifier", batch=True)
    async def classify(events: list[FeedbackIngested], uow: UnitOfWork) -> None:
        """Classify ingested feedback, update aggregates and run the event-driven detectors."""
        await feedback.ingest(uow, events, context)

    @consumers.on(FeedbackErased, durable="insights-erasure")
    async def erase(event: FeedbackErased, uow: UnitOfWork) -> None:
        """Drop classifications of erased feedback and take back their contribution to aggregates."""
        await feedback.erase(uow, event, context)

    @consumers.on(*TEAM_STATE_EVENTS, TeamDeleted, durable="insights-teams")
    async def teams(event: Event, uow: UnitOfWork) -> None:
        """Project which team owns which product area."""
        await projections.apply_team(uow, event)

    @consumers.on(
        InitiativeCreated,
        InitiativeUpdated,
        InitiativeStatusChanged,
        InitiativeShipped,
        InitiativeDropped,
        InitiativeFeedbackLinked,
        InitiativeFeedbackUnlinked,
        durable="insights-initiatives",
    )
    async def initiatives(event: Event, uow: UnitOfWork) -> None:
        """Project initiatives and their evidence; resolve unowned demand an initiative now covers."""
        await projections.apply_initiative(uow, event, context)

    return consumers
