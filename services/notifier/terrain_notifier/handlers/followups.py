"""Reporters told what became of their feedback: on each lifecycle step of an initiative it backs
(committed, in progress, shipped, dropped), the reporters who opted into that step hear of it, once,
in the text for their audience (staff or the customer). Shipping also closes the loops (``loops.py``)."""

from datetime import datetime, timedelta
from functools import partial

from terrain_contracts import Event
from terrain_contracts.events.initiative import (
    InitiativeDropped,
    InitiativeFeedbackLinked,
    InitiativeFeedbackUnlinked,
    InitiativeStatusChanged,
)
from terrain_contracts.events.notification import Channel, Purpose
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.deliveries import notification_id
from ..domain.followups import STEP_OF_STATUS, Staff, Step, follower_of
from ..domain.loops import Grouped, ReporterLoops, group_by_reporter, reporter_id
from ..domain.messages import render
from ..domain.reporter_messages import Lifecycle, message_for
from ..store import deliveries, directory, links
from .context import Context
from .fanout import flow_of

LIFECYCLE_EVENTS = (
    InitiativeStatusChanged,
    InitiativeDropped,
    InitiativeFeedbackLinked,
    InitiativeFeedbackUnlinked,
)


async def on_lifecycle(uow: UnitOfWork, context: Context, event: Event) -> None:
    """Keep which feedback each initiative links; on committed, in progress or dropped, tell its reporters."""
    if isinstance(event, InitiativeFeedbackLinked | InitiativeFeedbackUnlinked):
        linked = isinstance(event, InitiativeFeedbackLinked)
        data = event.data
        await links.set_link(uow, data.initiative_id, data.feedback_id, linked, event.occurred_at)
        return
    if isinstance(event, InitiativeStatusChanged):
        step = STEP_OF_STATUS.get(event.data.to_status)
        if step is None:
            return  # shipped and dropped are told from their own events (release note, reason)
        briefing, reason = event.data.initiative, ""
    elif isinstance(event, InitiativeDropped):
        step, briefing, reason = Step.dropped, event.data.initiative, event.data.reason
    else:
        return
    if context.now() - event.occurred_at > timedelta(days=context.settings.followups.tell_within_days):
        return  # history replayed (a first deployment): too late to be news
    life = Lifecycle(step, briefing.initiative_id, briefing.title, briefing.quarter, reason=reason)
    feedback_ids = await links.linked_feedback(uow, briefing.initiative_id)
    grouped = await reporters(uow, context, feedback_ids, step)
    now = context.now()
    for key, reporter in grouped.by_reporter.items():
        await tell(uow, context, event, life, briefing.owner_team_id, key, reporter, now)
    uow.after_commit(context.wake)


async def reporters(uow: UnitOfWork, context: Context, feedback_ids: list[str], step: Step) -> Grouped:
    """The reporters of these items who want to hear of ``step``, one entry per person; the items of
    everyone else in ``not_closed`` with the reason."""
    known = await directory.reporters(uow, feedback_ids)
    settings = context.settings.followups
    staff = Staff.of(await directory.directory(uow), settings.staff_domains)
    grouped = group_by_reporter(
        feedback_ids, known, partial(follower_of, staff=staff, customer_sources=settings.customer_sources)
    )
    ids = [i for r in grouped.by_reporter.values() for i in r.follower.preference_ids]
    chosen = {pid: prefs.feedback_steps for pid, prefs in (await directory.preferences(uow, ids)).items()}
    return grouped.wanting(step, chosen)


def message_id(life: Lifecycle, key: str) -> str:
    """Deterministic per step, initiative and person: a redelivered event tells nobody twice. Shipped
    keeps the id loop closures always had."""
    if life.step is Step.shipped:
        return notification_id(Purpose.loop_closure.value, life.initiative_id, key)
    return notification_id("followup", life.step.value, life.initiative_id, key)


async def tell(
    uow: UnitOfWork,
    context: Context,
    cause: Event,
    life: Lifecycle,
    owner_team_id: str,
    key: str,
    reporter: ReporterLoops,
    now: datetime,
) -> str:
    """Record the reporter's email (a second recording of the same one is a no-op); returns its id."""
    nid = message_id(life, key)
    follower = reporter.follower
    message = message_for(follower, life, reporter.texts, context.settings.followups.follow_url)
    doc = deliveries.document(
        nid,
        Purpose.loop_closure,
        Channel.email,
        reporter_id(follower.email),
        {"email": follower.email},
        render(Channel.email, message, nid),
        now,
        now,
        initiative_id=life.initiative_id,
        feedback_ids=reporter.feedback_ids,
        owner_team_id=owner_team_id,
        step=life.step.value,
        audience=follower.audience.value,
        **flow_of(uow, cause),
    )
    if await deliveries.add(uow, doc):
        metrics.FOLLOWUPS.labels(life.step.value, follower.audience.value).inc()
    return nid
