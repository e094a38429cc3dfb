"""Teams, briefings and dependencies on the in-memory unit of work: what the database holds, which
events were recorded. No nats-server, no Mongo-wire server: the integration tests beside these
prove the same against them.
"""

from datetime import date, timedelta

import pytest
from terrain_contracts.events.dependency import (
    DependencyAnswer,
    InitiativeDependencyAnswered,
    InitiativeDependencyRequested,
)
from terrain_contracts.events.initiative import (
    InitiativeCreated,
    InitiativeDropped,
    InitiativeStatus,
    InitiativeStatusChanged,
    InitiativeUpdated,
)
from terrain_contracts.events.team import (
    ProductArea,
    TeamAreaAssigned,
    TeamAreaReleased,
    TeamCreated,
    TeamKind,
)
from terrain_initiatives.handlers import briefings, dependencies, shipping, teams
from terrain_initiatives.store import dependencies as dependency_store
from terrain_initiatives.store import initiatives as initiative_store
from terrain_kit.errors import Conflict, Forbidden, Invalid, StaleVersion, VersionRequired

from .conftest import QUARTER
from .fast import OPS, OTHER_PM, PM, briefing, data_of, squad, subjects

pytestmark = pytest.mark.unit


class TestTeams:
    async def test_a_new_team_is_stored_at_version_1_and_announced(self, uow, context):
        team = await teams.create(uow, OPS, context, "tribe-core", "Core", TeamKind.tribe, None)

        assert team.version == 1
        assert (await teams.load(uow, "tribe-core")).name == "Core"
        assert subjects(uow) == [TeamCreated.subject]

    async def test_a_change_that_changes_nothing_emits_nothing(self, uow, context):
        await teams.create(uow, OPS, context, "tribe-core", "Core", TeamKind.tribe, None)
        uow.outbox.clear()

        team = await teams.update(uow, OPS, context, "tribe-core", 1, "Core", None)

        assert team.version == 1
        assert uow.outbox == []

    async def test_a_change_based_on_a_stale_version_is_refused(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)  # version 2 once the pm joined

        with pytest.raises(StaleVersion):
            await teams.update(uow, OPS, context, "squad-a", 1, "Renamed", None)

    async def test_an_area_owned_by_another_team_moves_only_on_a_transfer(self, uow, context):
        await squad(uow, context, "squad-a")
        await squad(uow, context, "squad-b")
        area = ProductArea(area="billing", name="Billing")
        await teams.assign_area(uow, OPS, context, "squad-a", None, area, False)

        with pytest.raises(Conflict):
            await teams.assign_area(uow, OPS, context, "squad-b", None, area, False)
        await teams.assign_area(uow, OPS, context, "squad-b", None, area, True)

        assert subjects(uow)[-2:] == [TeamAreaReleased.subject, TeamAreaAssigned.subject]
        assert [a.area for a in (await teams.load(uow, "squad-b")).product_areas] == ["billing"]
        assert (await teams.load(uow, "squad-a")).product_areas == []


class TestBriefings:
    async def test_a_new_briefing_is_a_draft_at_version_1_with_its_history(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)
        uow.outbox.clear()

        doc = await briefing(uow, context, "squad-a")

        stored = await briefings.load(uow, doc["_id"])
        assert (stored["status"], stored["version"]) == ("draft", 1)
        history, _ = await initiative_store.history(uow, doc["_id"], 10, None)
        assert [entry["action"] for entry in history] == ["created"]
        assert subjects(uow) == [InitiativeCreated.subject]

    async def test_a_pm_of_another_team_may_not_write_its_briefings(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)

        with pytest.raises(Forbidden):
            await briefings.create(uow, OTHER_PM, context, {"owner_team_id": "squad-a", "quarter": QUARTER})

    async def test_an_edit_names_the_changed_fields_and_moves_the_version(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)
        doc = await briefing(uow, context, "squad-a")

        edited = await briefings.edit(uow, PM, context, doc["_id"], 1, {"title": "Faster exports"})

        assert edited["version"] == 2
        assert (await briefings.load(uow, doc["_id"]))["title"] == "Faster exports"
        assert uow.outbox[-1]["subject"] == InitiativeUpdated.subject
        assert data_of(uow, -1)["changed_fields"] == ["title"]

    async def test_an_edit_based_on_a_stale_version_is_refused_and_changes_nothing(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)
        doc = await briefing(uow, context, "squad-a")
        await briefings.edit(uow, PM, context, doc["_id"], 1, {"title": "First"})
        uow.outbox.clear()

        with pytest.raises(StaleVersion) as refused:
            await briefings.edit(uow, PM, context, doc["_id"], 1, {"title": "Second"})

        assert refused.value.current == 2
        assert (await briefings.load(uow, doc["_id"]))["title"] == "First"
        assert uow.outbox == []

    async def test_an_edit_without_a_version_is_refused(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)
        doc = await briefing(uow, context, "squad-a")

        with pytest.raises(VersionRequired):
            await briefings.edit(uow, PM, context, doc["_id"], None, {"title": "Second"})

    async def test_a_move_is_recorded_and_announced_with_both_statuses(self, uow, context, clock):
        await squad(uow, context, "squad-a", pm=PM)
        doc = await briefing(uow, context, "squad-a")

        moved = await briefings.move(uow, PM, context, doc["_id"], 1, InitiativeStatus.proposed)

        assert (moved["status"], moved["version"], moved["proposed_at"]) == ("proposed", 2, clock.now)
        data = data_of(uow, -1)
        assert uow.outbox[-1]["subject"] == InitiativeStatusChanged.subject
        assert (data["from_status"], data["to_status"]) == ("draft", "proposed")

    async def test_an_illegal_transition_is_refused_with_the_reason(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)
        doc = await briefing(uow, context, "squad-a")

        with pytest.raises(Conflict, match="illegal transition from draft to committed"):
            await briefings.move(uow, OPS, context, doc["_id"], 1, InitiativeStatus.committed)

    async def test_an_identical_retry_of_a_drop_answers_the_same_and_announces_once(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)
        initiative_id = (await briefing(uow, context, "squad-a"))["_id"]
        uow.outbox.clear()

        first, announced = await shipping.drop(uow, PM, context, initiative_id, 1, "Superseded")
        again, announced_again = await shipping.drop(uow, PM, context, initiative_id, 1, "Superseded")

        assert (announced, announced_again) == (True, False)
        assert again["version"] == first["version"] == 2
        assert subjects(uow) == [InitiativeDropped.subject]
        with pytest.raises(Conflict, match="only an identical retry"):
            await shipping.drop(uow, PM, context, initiative_id, 1, "Another reason")


class TestDependencies:
    async def test_a_request_is_stored_open_recorded_and_announced(self, uow, context, clock):
        await squad(uow, context, "squad-a", pm=PM)
        await squad(uow, context, "squad-b", pm=OTHER_PM)
        initiative_id = (await briefing(uow, context, "squad-a"))["_id"]
        uow.outbox.clear()

        asked = await dependencies.request(
            uow, PM, context, initiative_id, "squad-b", None, "An export API", clock.now.date()
        )

        stored = await dependency_store.get(uow, asked["_id"])
        assert stored is not None
        assert (stored["state"], stored["requesting_team_id"]) == ("open", "squad-a")
        history, _ = await initiative_store.history(uow, initiative_id, 10, None)
        assert history[-1]["action"] == "dependency_requested"
        assert subjects(uow) == [InitiativeDependencyRequested.subject]
        assert data_of(uow, 0)["on_team_id"] == "squad-b"

    async def test_a_request_to_the_initiatives_own_team_is_refused(self, uow, context, clock):
        await squad(uow, context, "squad-a", pm=PM)
        initiative_id = (await briefing(uow, context, "squad-a"))["_id"]

        with pytest.raises(Invalid) as refused:
            await dependencies.request(
                uow, PM, context, initiative_id, "squad-a", None, "Help", clock.now.date()
            )

        assert refused.value.field == "on_team_id"

    async def test_an_answer_by_day_already_passed_is_refused(self, uow, context, clock):
        await squad(uow, context, "squad-a", pm=PM)
        await squad(uow, context, "squad-b")
        initiative_id = (await briefing(uow, context, "squad-a"))["_id"]
        yesterday = clock.now.date() - timedelta(days=1)

        with pytest.raises(Invalid) as refused:
            await dependencies.request(uow, PM, context, initiative_id, "squad-b", None, "Help", yesterday)

        assert refused.value.field == "answer_by"

    async def test_the_same_answer_twice_is_announced_once(self, uow, context, clock):
        await squad(uow, context, "squad-a", pm=PM)
        await squad(uow, context, "squad-b", pm=OTHER_PM)
        initiative_id = (await briefing(uow, context, "squad-a"))["_id"]
        asked = await dependencies.request(
            uow, PM, context, initiative_id, "squad-b", None, "API", date(2027, 1, 4)
        )
        uow.outbox.clear()

        _, changed = await dependencies.answer(
            uow, OTHER_PM, context, asked["_id"], DependencyAnswer.accepted, None
        )
        _, changed_again = await dependencies.answer(
            uow, OTHER_PM, context, asked["_id"], DependencyAnswer.accepted, None
        )

        assert (changed, changed_again) == (True, False)
        assert (await dependency_store.get(uow, asked["_id"]))["state"] == "accepted"
        assert subjects(uow) == [InitiativeDependencyAnswered.subject]

    async def test_only_the_team_asked_answers(self, uow, context, clock):
        await squad(uow, context, "squad-a", pm=PM)
        await squad(uow, context, "squad-b", pm=OTHER_PM)
        initiative_id = (await briefing(uow, context, "squad-a"))["_id"]
        asked = await dependencies.request(
            uow, PM, context, initiative_id, "squad-b", None, "API", date(2027, 1, 4)
        )

        with pytest.raises(Forbidden):
            await dependencies.answer(uow, PM, context, asked["_id"], DependencyAnswer.accepted, None)
