"""The insights handlers on an in-memory unit of work: classification of ingested feedback, erasure,
taxonomy changes, a replay step. No nats-server, no store, a clock the tests set."""

import json

import pytest
from terrain_contracts.events.feedback import (
    FeedbackClassified,
    FeedbackErased,
    FeedbackErasedData,
)
from terrain_insights.domain.taxonomy import Theme
from terrain_insights.handlers import feedback, replay
from terrain_insights.handlers import taxonomy as taxonomy_handlers
from terrain_kit.errors import Conflict, NotFound

from .conftest import ingested
from .memory import NOW, SSO, day_bucket, subjects

pytestmark = pytest.mark.unit


class TestClassifyingIngestedFeedback:
    async def test_ingested_feedback_is_classified_counted_and_announced(self, uow, ctx):
        event = ingested(SSO, feedback_id="fb-1", occurred_at=NOW)

        await feedback.ingest(uow, [event], ctx)

        item = await uow["items"].find_one({"_id": "fb-1"})
        assert [t["theme"] for t in item["classification"]["themes"]] == ["sso"]
        bucket = await day_bucket(uow, "sso")
        assert bucket["items"] == 1 and bucket["unique_accounts"] == 1
        assert subjects(uow) == [FeedbackClassified.subject]
        assert json.loads(uow.outbox[0]["body"])["data"]["themes"][0]["theme"] == "sso"

    async def test_a_redelivered_ingestion_is_a_no_op(self, uow, ctx):
        event = ingested(SSO, feedback_id="fb-1", occurred_at=NOW)
        await feedback.ingest(uow, [event], ctx)

        await feedback.ingest(uow, [event], ctx)

        assert (await day_bucket(uow, "sso"))["items"] == 1
        assert subjects(uow) == [FeedbackClassified.subject]

    async def test_an_edit_moves_the_item_and_a_late_older_revision_is_ignored(self, uow, ctx):
        await feedback.ingest(uow, [ingested(SSO, feedback_id="fb-1", occurred_at=NOW)], ctx)
        export = "L'export CSV plante sur les gros projets"
        await feedback.ingest(uow, [ingested(export, feedback_id="fb-1", revision=2, occurred_at=NOW)], ctx)

        await feedback.ingest(uow, [ingested(SSO, feedback_id="fb-1", occurred_at=NOW)], ctx)

        assert (await day_bucket(uow, "sso"))["items"] == 0
        assert (await day_bucket(uow, "data-export"))["items"] == 1
        assert len(uow.outbox) == 2

    async def test_erasure_takes_the_contribution_back_and_refuses_a_late_redelivery(self, uow, ctx):
        event = ingested(SSO, feedback_id="fb-1", occurred_at=NOW)
        await feedback.ingest(uow, [event], ctx)
        data = FeedbackErasedData(
            erasure_id="er-1",
            account_id="acme",
            feedback_ids=["fb-1"],
            part=1,
            parts=1,
            reason="GDPR request",
            requested_by="dpo",
        )
        erased = FeedbackErased.create(data, source="feedback")

        await feedback.erase(uow, erased, ctx)
        await feedback.ingest(uow, [event], ctx)

        assert await uow["items"].find_one({"_id": "fb-1"}) == {"_id": "fb-1", "erased": True}
        bucket = await day_bucket(uow, "sso")
        assert bucket["items"] == 0 and bucket["unique_accounts"] == 0
        assert subjects(uow) == [FeedbackClassified.subject]


class TestTaxonomyChanges:
    async def test_a_change_stores_a_new_version_and_unchanged_content_none(self, uow, ctx):
        theme = Theme(slug="dark-mode", name="Dark mode", examples=["Please add a dark mode"])

        changed = await taxonomy_handlers.put_theme(uow, ctx, "platform", theme, "ops")
        again = await taxonomy_handlers.put_theme(uow, ctx, "platform", theme, "ops")

        assert changed.version == again.version == 2
        stored = await uow["taxonomy_versions"].find_one({"_id": 2})
        assert stored["created_at"] == NOW and stored["note"] == "theme dark-mode set"

    async def test_removing_an_unknown_theme_is_refused(self, uow, ctx):
        with pytest.raises(NotFound):
            await taxonomy_handlers.delete_theme(uow, ctx, "no-such-theme", "ops")
        assert await uow["taxonomy_versions"].count_documents({}) == 1

    async def test_a_candidate_is_promoted_into_a_theme_once(self, uow, ctx):
        await uow["candidates"].insert_one(
            {
                "_id": "cand-1",
                "status": "open",
                "label_terms": ["dark", "mode"],
                "examples": [{"feedback_id": "fb-1", "text": "Please add a dark mode"}],
            }
        )

        stored, _ = await taxonomy_handlers.promote(
            uow, ctx, "cand-1", "dark-mode", "Dark", "platform", "", "ops"
        )
        with pytest.raises(Conflict):
            await taxonomy_handlers.promote(uow, ctx, "cand-1", "dark-mode", "Dark", "platform", "", "ops")

        assert stored.theme("dark-mode").keywords == ["dark", "mode"]
        candidate = await uow["candidates"].find_one({"_id": "cand-1"})
        assert candidate["status"] == "promoted" and candidate["taxonomy_version"] == stored.version


class TestReplay:
    async def test_a_replay_step_reclassifies_items_and_counts_what_moved(self, uow, ctx):
        await feedback.ingest(uow, [ingested(SSO, feedback_id="fb-1", occurred_at=NOW)], ctx)
        changed = await taxonomy_handlers.delete_theme(uow, ctx, "sso", "ops")
        job = await replay.request(uow, ctx, changed.version, "ops")

        assert await replay.step(uow, ctx, job["_id"], ["fb-1"])
        await replay.finish(uow, ctx, job["_id"])

        done = await uow["replays"].find_one({"_id": job["_id"]})
        assert (done["status"], done["done"], done["moved"]) == ("done", 1, 1)
        assert done["before"] == {"sso": 1} and done["after"] == {"unassigned": 1}
        assert (await day_bucket(uow, "sso"))["items"] == 0

    async def test_a_replay_of_an_unknown_version_is_refused(self, uow, ctx):
        with pytest.raises(Conflict):
            await replay.request(uow, ctx, 99, "ops")
