"""The notifier's own copies of others' data: teams (for routing) and reporters (for closing the loop)."""

from typing import Any

from terrain_contracts import Event
from terrain_contracts.events.feedback import FeedbackErased, FeedbackIngested
from terrain_contracts.events.team import TeamDeleted, TeamState, TeamStateEvent
from terrain_kit.erasure import erase_personal
from terrain_kit.uow import UnitOfWork

from ..store import deliveries, directory, links, state
from .context import Context


async def apply_teams(uow: UnitOfWork, events: list[Event]) -> None:
    states: list[TeamState] = []
    for event in events:
        if isinstance(event, TeamDeleted):
            await directory.apply_team_states(
                uow, states
            )  # keep the order of a create-then-delete in one batch
            states = []
            await directory.delete_team(uow, event.data.team_id, event.data.version)
        elif isinstance(event, TeamStateEvent):
            states.append(event.data.team)
    await directory.apply_team_states(uow, states)


async def apply_feedback(
    uow: UnitOfWork, context: Context, events: list[FeedbackIngested | FeedbackErased]
) -> None:
    """Keep who reported each item, their customer's words and account (latest revision); drop erased ones."""
    ingested: list[FeedbackIngested] = []
    for event in events:
        if isinstance(event, FeedbackErased):
            # In order: what was ingested before the erasure, then the erasure.
            await directory.apply_reporters(uow, [_reporter(e) for e in ingested])
            ingested = []
            now = context.now()
            await directory.erase_reporters(uow, event.data.feedback_ids, event.data.erasure_id, now)
            await deliveries.redact_feedback(uow, event.data.feedback_ids, now)
            await deliveries.forget_recipients(uow, event.data.feedback_ids)
            await state.erase_loops(uow, event.data.feedback_ids)
            await links.forget_feedback(uow, event.data.feedback_ids)
            # Its loop-closure events (the reporter's email), published or still in the outbox.
            await erase_personal(uow, event.data.feedback_ids)
        else:
            ingested.append(event)
    await directory.apply_reporters(uow, [_reporter(e) for e in ingested])


def _reporter(event: FeedbackIngested) -> dict[str, Any]:
    data = event.data
    return {
        "_id": data.feedback_id,
        "revision": data.revision,
        "name": data.reporter.name,
        "email": data.reporter.email,
        "role": data.reporter.role.value,
        "member_id": data.reporter.member_id,
        "kind": data.kind.value,
        "customer_email_domain": data.customer_email_domain,
        "account_id": data.account.account_id if data.account else None,
        "account_name": data.account.name if data.account else None,
        "text": data.text,
        "source": data.source,
    }
