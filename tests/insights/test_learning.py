"""The few-shot classifier's honest "unassigned" and its learning from corrections: on the domain, then
through the correction handler on an in-memory unit of work (the real encoder, no store)."""

import pytest
from terrain_contracts.events.feedback import FeedbackClassified
from terrain_insights.domain.classify import Classifier
from terrain_insights.domain.classify.fewshot import FALLBACK_THRESHOLD
from terrain_insights.domain.taxonomy import from_yaml
from terrain_insights.handlers import corrections, feedback
from terrain_kit.errors import Invalid, NotFound

from .conftest import TAXONOMY_YAML, ingested
from .memory import NOW, day_bucket, subjects

pytestmark = pytest.mark.unit

TAXONOMY = from_yaml(TAXONOMY_YAML)
# About the mobile app (the taxonomy's mobile-app theme): Product Ops filing them under sso instead is what
# the classifier must learn, however odd the choice.
MOBILE = [
    "The iPhone app logs me out every time I switch apps",
    "Android app drains the battery in an hour",
    "The mobile app is very slow to open on my phone",
]
MOBILE_QUERY = "On my Android phone the app keeps logging me out"


def test_the_threshold_is_calibrated_on_the_examples_and_decides_unassigned():
    classifier = Classifier(TAXONOMY)
    assert classifier.threshold != FALLBACK_THRESHOLD and 0.2 < classifier.threshold < 0.7
    result = classifier.classify("The SAML login with Okta fails for all our users")
    assert result.theme is not None and result.best_score >= classifier.threshold
    just_above = Classifier(TAXONOMY, threshold=result.best_score + 0.001).classify(
        "The SAML login with Okta fails for all our users"
    )
    assert just_above.themes == [] and just_above.best_score == result.best_score


def test_a_taxonomy_may_set_its_own_threshold_in_its_file():
    strict = from_yaml(TAXONOMY_YAML + "\nthreshold: 0.99\n")
    assert strict.threshold == 0.99
    assert Classifier(strict).classify("The SAML login with Okta fails for all our users").themes == []


def test_french_items_are_classified_with_english_and_french_examples():
    result = Classifier(TAXONOMY).classify("Impossible de se connecter avec notre SSO Azure AD depuis lundi")
    assert result.theme is not None and result.theme.theme == "sso"
    assert result.language == "fr"


def test_corrections_become_examples_of_their_theme():
    before = Classifier(TAXONOMY).classify(MOBILE_QUERY)
    assert before.theme is None or before.theme.theme != "sso"

    after = Classifier(TAXONOMY, learned={"sso": MOBILE}).classify(MOBILE_QUERY)

    assert after.theme is not None and after.theme.theme == "sso"


def test_learned_examples_of_a_theme_the_taxonomy_no_longer_has_are_ignored():
    result = Classifier(TAXONOMY, learned={"gone-theme": MOBILE}).classify(MOBILE_QUERY)
    assert result.theme is None or result.theme.theme != "gone-theme"


class TestCorrectingAnItem:
    async def test_the_item_moves_keeps_its_theme_through_an_edit_and_teaches_the_next_ones(self, uow, ctx):
        for n, text in enumerate(MOBILE):
            await feedback.ingest(uow, [ingested(text, feedback_id=f"fb-{n}", occurred_at=NOW)], ctx)
        await feedback.ingest(uow, [ingested(MOBILE_QUERY, feedback_id="fb-q", occurred_at=NOW)], ctx)
        assert [
            t["theme"] for t in (await uow["items"].find_one({"_id": "fb-q"}))["classification"]["themes"]
        ] != ["sso"]
        sso_before = (await day_bucket(uow, "sso") or {}).get("items", 0)

        for n in range(len(MOBILE)):
            view = await corrections.correct(uow, ctx, f"fb-{n}", "sso", "bug", "ops@example.com")
            ctx.forget_learned()
        assert view["themes"][0]["theme"] == "sso" and view["category"] == "bug"
        assert view["corrected"]["theme"] == "sso" and view["corrected"]["by"] == "ops@example.com"
        assert (await day_bucket(uow, "sso"))["items"] == sso_before + len(MOBILE)
        assert subjects(uow).count(FeedbackClassified.subject) >= len(MOBILE) + 1 + len(MOBILE)

        await feedback.ingest(uow, [ingested(MOBILE_QUERY, feedback_id="fb-next", occurred_at=NOW)], ctx)
        taught = await uow["items"].find_one({"_id": "fb-next"})
        assert [t["theme"] for t in taught["classification"]["themes"]] == ["sso"]

        edit = ingested("Thanks for the lunch in Lyon", feedback_id="fb-0", revision=2, occurred_at=NOW)
        await feedback.ingest(uow, [edit], ctx)
        kept = await uow["items"].find_one({"_id": "fb-0"})
        assert [t["theme"] for t in kept["classification"]["themes"]] == ["sso"]

    async def test_no_theme_is_a_correction_too_and_forgets_the_example(self, uow, ctx):
        await feedback.ingest(uow, [ingested(MOBILE[0], feedback_id="fb-1", occurred_at=NOW)], ctx)
        await corrections.correct(uow, ctx, "fb-1", "sso", None, "ops")
        assert await uow["learned_examples"].count_documents({}) == 1

        view = await corrections.correct(uow, ctx, "fb-1", None, None, "ops")

        assert view["themes"] == [] and view["corrected"]["theme"] is None
        assert await uow["learned_examples"].count_documents({}) == 0

    async def test_an_unknown_theme_or_item_is_refused(self, uow, ctx):
        await feedback.ingest(uow, [ingested(MOBILE[0], feedback_id="fb-1", occurred_at=NOW)], ctx)
        with pytest.raises(Invalid) as refused:
            await corrections.correct(uow, ctx, "fb-1", "no-such-theme", None, "ops")
        assert "theme" in str(refused.value.errors)
        with pytest.raises(NotFound):
            await corrections.correct(uow, ctx, "fb-404", "sso", None, "ops")
