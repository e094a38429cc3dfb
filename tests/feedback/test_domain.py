"""Pure rules: normalisation, redaction, language, similarity, and the intake plan's decisions."""

from dataclasses import replace
from datetime import timedelta

import pytest
from terrain_contracts.events.feedback import IntakeChannel, ReporterRole
from terrain_feedback.domain.items import (
    Accounts,
    DuplicateRules,
    IntakePlan,
    Outcome,
    Status,
    customer_domain,
    feedback_id,
)
from terrain_feedback.domain.similarity import Candidate, signature, similarity, trigrams
from terrain_feedback.domain.text import detect_language, normalise_text, redact_contacts, repair_mojibake

from .builders import T0, submission

pytestmark = pytest.mark.unit

RULES = DuplicateRules(threshold=0.55, window=timedelta(days=30), max_candidates=50)
ACME = {
    "account_id": "acc-acme",
    "name": "Acme",
    "domains": ["acme.io"],
    "arr": {"amount_minor": 100, "currency": "EUR"},
}


def plan(**overrides) -> IntakePlan:
    return IntakePlan(
        **{
            "existing": {},
            "erased": set(),
            "accounts": Accounts(),
            "candidates": {},
            "rules": RULES,
            "redact": False,
            "now": T0,
            **overrides,
        }
    )


class TestNormalisation:
    def test_whitespace_and_control_characters_are_collapsed_but_paragraphs_kept(self):
        assert (
            normalise_text("  Exports\t\ttime   out\r\n\r\n\r\n\x00Please\u200b fix ")
            == "Exports time out\n\nPlease fix"
        )

    def test_text_is_composed_to_nfc(self):
        assert normalise_text("e\u0301chou\u0065\u0301") == "échoué"

    def test_utf8_read_as_windows_1252_is_repaired(self):
        assert repair_mojibake("Lâ€™export Ã©choue") == "L’export échoue"

    def test_text_that_is_not_mojibake_is_left_alone(self):
        assert repair_mojibake("Ã la carte pricing") == "Ã la carte pricing"

    def test_emails_and_phone_numbers_are_redacted_but_dates_and_amounts_are_not(self):
        text = (
            "Call Dana on +33 6 12 34 56 78 or (555) 123-4567, dana@acme.io, before 2026-11-20 for 12,000 EUR"
        )

        assert (
            redact_contacts(text)
            == "Call Dana on [phone] or [phone], [email], before 2026-11-20 for 12,000 EUR"
        )


class TestLanguage:
    @pytest.mark.parametrize(
        ("text", "language"),
        [
            ("We need to export the reports to Excel every week", "en"),
            ("Nous avons besoin d'exporter les rapports chaque semaine", "fr"),
            ("L'export Excel échoue toujours", "fr"),
            ("SSO SAML Okta", None),  # no function words: no guess
        ],
    )
    def test_english_and_french_are_told_apart_and_unclear_text_is_left_unknown(self, text, language):
        assert detect_language(text) == language


class TestSimilarity:
    def test_a_copy_with_notes_around_it_scores_high(self):
        original = trigrams(signature("Our admins need SAML single sign-on with Okta before the renewal"))
        copy = trigrams(
            signature(
                "Call notes: their admins need SAML single sign on with Okta before renewal. "
                "Budget approved, decision in March."
            )
        )

        assert similarity(original, copy) >= 0.6

    def test_two_needs_of_one_customer_score_low(self):
        first = trigrams(signature("Our admins need SAML single sign-on with Okta before the renewal"))
        other = trigrams(signature("Invoices should show the purchase order number for our finance team"))

        assert similarity(first, other) < 0.3

    def test_very_short_texts_use_jaccard_so_a_word_in_common_is_not_a_copy(self):
        assert (
            similarity(trigrams(signature("SSO")), trigrams(signature("SSO for the mobile app please"))) < 0.5
        )


class TestIntakePlan:
    def test_the_same_item_twice_in_a_batch_is_created_then_edited(self):
        batch = plan()

        first = batch.decide(submission("T-1", "Exports time out"), IntakeChannel.event)
        second = batch.decide(submission("T-1", "Exports time out on big reports"), IntakeChannel.event)
        replay = batch.decide(submission("T-1", "Exports time out on big reports"), IntakeChannel.event)

        assert (first.outcome, first.revision) == (Outcome.created, 1)
        assert (second.outcome, second.revision) == (Outcome.edited, 2)
        assert replay.outcome is Outcome.unchanged
        assert batch.changed[first.feedback_id].ingested.revision == 2

    def test_whitespace_differences_are_not_an_edit(self):
        batch = plan()
        batch.decide(submission("T-1", "Exports time out"), IntakeChannel.event)

        assert (
            batch.decide(submission("T-1", "  Exports   time out \n"), IntakeChannel.event).outcome
            is Outcome.unchanged
        )

    def test_an_erased_item_is_never_stored_again(self):
        erased = {feedback_id("zendesk", "T-1")}

        assert plan(erased=erased).decide(submission("T-1"), IntakeChannel.event).outcome is Outcome.erased

    def test_text_empty_once_normalised_is_rejected_naming_the_field(self):
        decision = plan().decide(submission("T-1", "\u200b \t"), IntakeChannel.event)

        assert decision.outcome is Outcome.rejected and [e.field for e in decision.errors] == ["text"]

    def test_an_edit_keeps_the_shipped_status(self):
        first = plan().decide(submission("T-1", "Exports time out"), IntakeChannel.event).item
        shipped = replace(first, status=Status.shipped, shipped_in=("ini-1",))

        edit = plan(existing={first.feedback_id: shipped}).decide(
            submission("T-1", "Exports still time out"), IntakeChannel.event
        )

        assert edit.item.status is Status.shipped and edit.item.shipped_in == ("ini-1",)
        assert edit.item.first_ingested_at == first.first_ingested_at

    def test_the_account_is_found_by_domain_when_the_given_id_is_unknown(self):
        accounts = Accounts.of([ACME])
        data = submission(customer={"account_id": "sf-0015e00000", "email": "ops@acme.io"})

        item = plan(accounts=accounts).decide(data, IntakeChannel.event).item

        assert item.account_id == "acc-acme" and item.ingested.account.name == "Acme"

    def test_an_unknown_account_id_still_files_the_item_without_a_snapshot(self):
        item = plan().decide(submission(customer={"account_id": "acc-new"}), IntakeChannel.event).item

        assert item.account_id == "acc-new" and item.ingested.account is None

    def test_a_reps_own_domain_never_identifies_the_customer(self):
        rep = submission(
            customer={"name": "Acme"},
            reporter={"name": "Sam", "email": "sam@ourcompany.com", "role": ReporterRole.sales_rep},
        )

        assert customer_domain(rep) is None

    def test_a_copy_is_linked_to_the_root_of_its_original(self):
        root = Candidate("fb-root", T0, signature("Our admins need SAML single sign-on with Okta"), "fb-root")
        copy = Candidate("fb-copy", T0, signature("Our admins need SAML single sign-on with Okta"), "fb-root")
        batch = plan(candidates={"domain:acme.io": [root, copy]})

        item = batch.decide(
            submission("T-9", "Notes: our admins need SAML single sign on with Okta"), IntakeChannel.event
        ).item

        assert item.ingested.duplicate_of.feedback_id == "fb-root"

    def test_candidates_outside_the_window_are_not_compared(self):
        old = Candidate("fb-old", T0 - timedelta(days=45), signature("Exports to Excel time out"), "fb-old")

        item = (
            plan(candidates={"domain:acme.io": [old]})
            .decide(submission("T-9", "Exports to Excel time out"), IntakeChannel.event)
            .item
        )

        assert item.ingested.duplicate_of is None

    def test_redaction_applies_before_storing_when_enabled(self):
        item = (
            plan(redact=True)
            .decide(submission("T-1", "Call me at +1 415 555 0100 or dana@acme.io"), IntakeChannel.event)
            .item
        )

        assert item.ingested.text == "Call me at [phone] or [email]"
