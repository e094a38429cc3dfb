"""Product Ops KPIs: the projections fed by feedback.classified and notification.loop_closed, and the
figures of a quarter, computed on read (see ``domain/kpis.py`` for the definitions)."""

from datetime import datetime
from typing import Any

from terrain_contracts.events.feedback import FeedbackClassified
from terrain_contracts.events.notification import NotificationLoopClosed
from terrain_contracts.events.team import TeamKind, TeamState
from terrain_kit.uow import UnitOfWork

from ..domain import kpis as rules
from ..domain.announcements import directors
from ..store import dependencies as dependency_store
from ..store import evidence as evidence_store
from ..store import initiatives as initiative_store
from ..store import kpis as store
from ..store import planning as planning_store
from ..store import teams as team_store


def _area(event: FeedbackClassified) -> str | None:
    themes = event.data.themes
    return themes[0].product_area if themes else None


async def apply_classified(uow: UnitOfWork, events: list[FeedbackClassified]) -> None:
    """Which team each item reached (the owner of its best theme's area, by its newest classified
    revision) and when it was first classified. Any order, any redelivery: the same documents."""
    held = await store.classified(uow, sorted({e.data.feedback_id for e in events}))
    owners = await store.area_owners(uow, sorted({a for e in events if (a := _area(e)) is not None}))
    changed: dict[str, dict[str, Any]] = {}
    for e in events:
        fid, area = e.data.feedback_id, _area(e)
        doc = changed.get(fid) or held.get(fid)
        updated = rules.reached(doc, fid, e.data.revision, e.occurred_at, area, owners.get(area or ""))
        if updated != doc:
            changed[fid] = updated
    await store.store_classified(uow, list(changed.values()))


async def apply_loops_closed(uow: UnitOfWork, events: list[NotificationLoopClosed]) -> None:
    await store.store_loops(
        uow,
        [
            {
                "_id": f"{e.data.initiative_id}:{e.data.feedback_id}",
                "initiative_id": e.data.initiative_id,
                "feedback_id": e.data.feedback_id,
                "notified_at": e.data.notified_at,
            }
            for e in events
        ],
    )


async def _items(uow: UnitOfWork, quarter: str) -> list[rules.Item]:
    docs = await store.reached(uow, quarter, None)
    ids = [doc["_id"] for doc in docs]
    erased = await evidence_store.erased(uow, ids)
    linked = await store.first_links(uow, ids)
    dismissed = await store.first_dismissals(uow, ids)
    return [
        rules.Item(
            d["_id"], d.get("team_id"), d["classified_at"], linked.get(d["_id"]), dismissed.get(d["_id"])
        )
        for d in docs
        if d["_id"] not in erased
    ]


async def _complete(
    uow: UnitOfWork, initiatives: list[dict[str, Any]], deadline: datetime
) -> dict[str, bool | None]:
    history = await store.briefing_history(uow, [i["_id"] for i in initiatives], deadline)
    return {i["_id"]: rules.complete_at(history.get(i["_id"], []), deadline) for i in initiatives}


def _for_team(
    team_id: str | None, facts: dict[str, Any], members: list[str] | None, squad: bool = False
) -> rules.TeamKpis:
    """The KPIs of one team (``team_id`` None, ``members`` None: the whole quarter)."""

    def mine(owner: str | None) -> bool:
        return team_id is None or owner == team_id

    initiatives = [i for i in facts["initiatives"] if mine(i["owner_team_id"])]
    owned = {i["_id"] for i in initiatives}
    complete = [facts["complete"][i] for i in owned if facts["complete"].get(i) is not None]
    answers, answer_hours = rules.answer_times(d for d in facts["dependencies"] if mine(d["on_team_id"]))
    asked = facts["directors"] if members is None else [m for m in facts["directors"] if m in members]
    return rules.TeamKpis(
        team_id=team_id,
        feedback=rules.feedback_kpis([i for i in facts["items"] if mine(i.team_id)]),
        loop_closure=rules.loop_closure({lo for lo in facts["loops"] if lo[0] in owned}, facts["closed"]),
        evidence_backed=rules.evidence_backed(initiatives),
        complete_briefings=rules.Ratio(sum(1 for c in complete if c), len(complete)),
        adopted=any(complete) if squad else None,  # squads write briefings; tribes and the quarter do not
        dependency_answers=answers,
        median_answer_hours=answer_hours,
        vote_participation=rules.Ratio(sum(1 for d in asked if d in facts["voters"]), len(asked)),
    )


async def quarter_kpis(
    uow: UnitOfWork, quarter: str, now: datetime, team_id: str | None = None
) -> rules.QuarterKpis:
    """The quarter's KPIs, as a whole and per live team (or for ``team_id`` only)."""
    teams: dict[str, TeamState] = await team_store.states(uow)
    initiatives = await initiative_store.in_quarter(uow, quarter)
    deadline = rules.deadline_of(await planning_store.get_cycle(uow, quarter))
    shipped = [i["_id"] for i in initiatives if i["status"] == "shipped"]
    facts = {
        "items": await _items(uow, quarter),
        "initiatives": initiatives,
        "complete": await _complete(uow, initiatives, deadline or now),
        "loops": set(await store.links_of_initiatives(uow, shipped)),
        "closed": await store.loops_closed(uow, shipped),
        "dependencies": await dependency_store.of_initiatives(uow, [i["_id"] for i in initiatives]),
        "directors": directors(teams.values()),
        "voters": await store.voters(uow, quarter),
    }
    per_team = [
        _for_team(t.team_id, facts, [m.member_id for m in t.members], t.kind is TeamKind.squad)
        for t in teams.values()
        if team_id is None or t.team_id == team_id
    ]
    squads = [k for k in per_team if k.adopted is not None]
    return rules.QuarterKpis(
        quarter=quarter,
        deadline=deadline,
        adoption=rules.Ratio(sum(1 for k in squads if k.adopted), len(squads)),
        total=_for_team(None, facts, None),
        teams=per_team,
    )
