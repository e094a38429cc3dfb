"""The Jira adapter (signatures, webhook bodies, the issue's ADF description) and the tracker's use cases
on the in-memory unit of work. The service against a local fake Jira is in test_jira.py."""

import hashlib
import hmac

import pytest
from pydantic import SecretStr
from terrain_contracts.events.initiative import (
    InitiativeShipped,
    InitiativeStatus,
    InitiativeStatusChanged,
    InitiativeStatusChangedData,
    InitiativeTrackerLinked,
    TrackerLinkOrigin,
)
from terrain_dev.demo.receivers import jira_webhook
from terrain_initiatives.domain.tracker import IssueRef, NotAuthentic, NotUnderstood, StatusChange
from terrain_initiatives.handlers import tracker as handlers
from terrain_initiatives.jobs.tracker.jira import JiraTracker, description
from terrain_initiatives.settings import JiraSettings
from terrain_initiatives.store import initiatives as initiative_store
from terrain_initiatives.store import tracker as store
from terrain_initiatives.store.initiatives import briefing_of
from terrain_kit.errors import Conflict

from .fast import PM, briefing, squad, subjects

pytestmark = pytest.mark.unit
SECRET = "whsec-test"
STATUS_MAP = {"indeterminate": "in_progress", "done": "shipped"}


def jira(secret: str = SECRET) -> JiraTracker:
    settings = JiraSettings(site_url="https://acme.atlassian.net", webhook_secret=SecretStr(secret))
    return JiraTracker(settings, client=None)  # type: ignore[arg-type]  # no call is made here


class TestSignatures:
    def test_a_body_signed_with_the_secret_is_accepted(self):
        body, headers = jira_webhook(SECRET, "TRN-1", "In Progress", "indeterminate", at=1.0)
        jira().verify(headers, body)

    @pytest.mark.parametrize(
        "header",
        [None, "", "sha256=", "sha1=abc", "sha256=" + "0" * 64, "sha256=" + "g" * 64],
        ids=["missing", "empty", "no digest", "other algorithm", "wrong digest", "not hex"],
    )
    def test_an_unsigned_or_forged_body_is_refused(self, header):
        body, headers = jira_webhook(SECRET, "TRN-1", "Done", "done", at=1.0)
        headers = {k: v for k, v in headers.items() if k != "x-hub-signature"}
        if header is not None:
            headers["x-hub-signature"] = header
        with pytest.raises(NotAuthentic):
            jira().verify(headers, body)

    def test_a_body_changed_after_signing_is_refused(self):
        body, headers = jira_webhook(SECRET, "TRN-1", "Done", "done", at=1.0)
        with pytest.raises(NotAuthentic):
            jira().verify(headers, body.replace(b"TRN-1", b"TRN-2"))

    def test_without_a_configured_secret_every_webhook_is_refused(self):
        body = b"{}"
        signature = hmac.new(b"", body, hashlib.sha256).hexdigest()
        with pytest.raises(NotAuthentic, match="no secret"):
            jira(secret="").verify({"x-hub-signature": f"sha256={signature}"}, body)


class TestWebhookBodies:
    def test_an_issue_update_gives_the_issue_its_status_and_when_it_was_sent(self):
        body, _ = jira_webhook(SECRET, "TRN-7", "In Review", "indeterminate", at=1_800_000_000.5)
        change = jira().parse_webhook(body)
        assert change == StatusChange("TRN-7", "In Review", "indeterminate", 1_800_000_000.5)

    def test_events_that_move_nothing_are_ignored(self):
        body, _ = jira_webhook(SECRET, "TRN-7", "Done", "done", at=1.0, event="comment_created")
        assert jira().parse_webhook(body) is None

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (b"not json", "body"),
            (b"[]", "body"),
            (b'{"webhookEvent": "jira:issue_updated"}', "issue.key"),
            (b'{"webhookEvent": "jira:issue_updated", "issue": {"key": "trn 1"}}', "issue.key"),
            (
                b'{"webhookEvent": "jira:issue_updated", "issue": {"key": "TRN-1", "fields": {}}}',
                "issue.fields.status",
            ),
        ],
    )
    def test_a_body_not_in_the_documented_shape_names_the_field(self, body, field):
        with pytest.raises(NotUnderstood) as refused:
            jira().parse_webhook(body)
        assert refused.value.field == field


class TestIssueDescription:
    async def test_the_briefing_is_written_as_an_atlassian_document(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)
        doc = await briefing(uow, context, "squad-a")
        adf = description(handlers.new_issue(doc))
        assert adf["type"] == "doc" and adf["version"] == 1
        texts = [node["content"][0]["text"] for node in adf["content"]]
        assert texts[:4] == ["Problem", "Customers wait too long.", "Intention", "Make it fast."]
        assert doc["_id"] in texts[4]


async def committed(uow, context) -> dict:
    """A committed briefing (the lifecycle's guards are the lifecycle tests' business)."""
    await squad(uow, context, "squad-a", pm=PM)
    doc = await briefing(uow, context, "squad-a")
    await initiative_store.set_derived(uow, doc["_id"], {"status": "committed"})
    return await initiative_store.get(uow, doc["_id"])


def committed_event(doc: dict) -> InitiativeStatusChanged:
    return InitiativeStatusChanged.create(
        InitiativeStatusChangedData(
            initiative=briefing_of(doc),
            from_status=InitiativeStatus.aligned,
            to_status=InitiativeStatus.committed,
            changed_by="ops-1",
        ),
        source="initiatives",
    )


class TestIssueAskedOnCommit:
    async def test_a_committed_initiative_asks_for_one_issue_however_often_it_is_announced(
        self, uow, context
    ):
        doc = await committed(uow, context)
        assert await handlers.on_status_changed(uow, committed_event(doc), context.now())
        assert not await handlers.on_status_changed(uow, committed_event(doc), context.now())
        assert (await store.get(uow, doc["_id"]))["state"] == "pending"

    async def test_an_initiative_linked_by_hand_asks_for_nothing(self, uow, context):
        doc = await committed(uow, context)
        await handlers.record_link(
            uow, doc["_id"], "jira", IssueRef("TRN-9", None), TrackerLinkOrigin.linked, "pm-a", context.now()
        )
        assert not await handlers.on_status_changed(uow, committed_event(doc), context.now())
        assert await store.get(uow, doc["_id"]) is None

    async def test_an_issue_is_linked_to_one_initiative_only(self, uow, context):
        doc = await committed(uow, context)
        other = await briefing(uow, context, "squad-a", title="Another")
        ref = IssueRef("TRN-9", None)
        assert await handlers.record_link(
            uow, doc["_id"], "jira", ref, TrackerLinkOrigin.linked, "pm-a", context.now()
        )
        assert not await handlers.record_link(
            uow, doc["_id"], "jira", ref, TrackerLinkOrigin.linked, "pm-a", context.now()
        )
        with pytest.raises(Conflict, match=f"already linked to initiative {doc['_id']}"):
            await handlers.record_link(
                uow, other["_id"], "jira", ref, TrackerLinkOrigin.linked, "pm-a", context.now()
            )
        assert subjects(uow).count(InitiativeTrackerLinked.subject) == 1


class TestStatusFromTheTracker:
    async def test_in_progress_then_done_moves_the_initiative_and_ships_it_once(self, uow, context):
        doc = await committed(uow, context)
        ref = IssueRef("TRN-1", None)
        await handlers.record_link(
            uow, doc["_id"], "jira", ref, TrackerLinkOrigin.created, "jira-sync", context.now()
        )
        uow.outbox.clear()
        started = StatusChange("TRN-1", "In Progress", "indeterminate", None)
        done = StatusChange("TRN-1", "Done", "done", None)

        assert await handlers.apply_status(uow, context, "jira", started, STATUS_MAP) == "moved"
        assert await handlers.apply_status(uow, context, "jira", started, STATUS_MAP) == "unchanged"
        assert await handlers.apply_status(uow, context, "jira", done, STATUS_MAP) == "moved"
        assert await handlers.apply_status(uow, context, "jira", done, STATUS_MAP) == "unchanged"
        assert await handlers.apply_status(uow, context, "jira", started, STATUS_MAP) == "unchanged"

        assert (await initiative_store.get(uow, doc["_id"]))["status"] == "shipped"
        assert subjects(uow) == [InitiativeStatusChanged.subject, InitiativeShipped.subject]

    async def test_done_on_a_committed_initiative_goes_through_in_progress(self, uow, context):
        doc = await committed(uow, context)
        ref = IssueRef("TRN-1", None)
        await handlers.record_link(
            uow, doc["_id"], "jira", ref, TrackerLinkOrigin.created, "jira-sync", context.now()
        )
        uow.outbox.clear()
        done = StatusChange("TRN-1", "Closed", "done", None)
        assert await handlers.apply_status(uow, context, "jira", done, STATUS_MAP) == "moved"
        assert subjects(uow) == [InitiativeStatusChanged.subject, InitiativeShipped.subject]

    async def test_a_status_named_in_the_map_wins_over_its_category(self, uow, context):
        doc = await committed(uow, context)
        ref = IssueRef("TRN-1", None)
        await handlers.record_link(
            uow, doc["_id"], "jira", ref, TrackerLinkOrigin.created, "jira-sync", context.now()
        )
        review = StatusChange("TRN-1", "In Review", "indeterminate", None)
        moved = await handlers.apply_status(
            uow, context, "jira", review, {**STATUS_MAP, "in review": "shipped"}
        )
        assert moved == "moved"
        assert (await initiative_store.get(uow, doc["_id"]))["status"] == "shipped"

    async def test_an_issue_no_initiative_is_linked_to_moves_nothing(self, uow, context):
        change = StatusChange("TRN-404", "Done", "done", None)
        assert await handlers.apply_status(uow, context, "jira", change, STATUS_MAP) == "unknown_issue"
        assert uow.outbox == []

    async def test_a_status_outside_the_map_moves_nothing(self, uow, context):
        doc = await committed(uow, context)
        ref = IssueRef("TRN-1", None)
        await handlers.record_link(
            uow, doc["_id"], "jira", ref, TrackerLinkOrigin.created, "jira-sync", context.now()
        )
        change = StatusChange("TRN-1", "To Do", "new", None)
        assert await handlers.apply_status(uow, context, "jira", change, STATUS_MAP) == "unmapped"
