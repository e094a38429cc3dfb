"""Reporters told what became of their feedback, on an in-memory unit of work: staff and customers read
different texts, nothing meant for staff reaches a customer, each step only for those who opted in, and a
redelivered event tells nobody twice."""

from datetime import timedelta

import pytest
from terrain_contracts.events.feedback import ReporterRole
from terrain_contracts.events.initiative import InitiativeStatus
from terrain_kit.errors import Invalid
from terrain_notifier.domain.followups import Audience, Staff, Step, follower_of
from terrain_notifier.domain.members import Preferences
from terrain_notifier.domain.reporter_messages import Lifecycle, customer_message, staff_message
from terrain_notifier.domain.routing import Directory
from terrain_notifier.handlers import followups, loops, members, projections
from terrain_notifier.store import directory as directory_store

from .factories import NOW, dropped, linked, member, moved, reported, shipped, team, team_created
from .memory import docs

pytestmark = pytest.mark.unit

FOLLOW = "http://127.0.0.1:8101/v1/feedback/mine"
ZENDESK = {"role": ReporterRole.customer, "source": "zendesk", "name": "Jane Doe"}
# Everything a staff text may hold that a customer must never read.
STAFF_ONLY = [
    "SAML single sign-on",  # the initiative's name
    "ini-sso",  # its id
    "2026-Q4",  # its quarter
    "Acme",  # an account
    "Globex asks for Okta",  # another customer's words
    "ARR",
    "Legal blocked the IdP contract",  # a drop reason
    "let them know",
    "your customers",
    "/v1/",  # an internal link
    "Why:",
]


def life(step: Step) -> Lifecycle:
    return Lifecycle(
        step,
        "ini-sso",
        "SAML single sign-on",
        "2026-Q4",
        release_note="SSO is available on every plan.",
        reason="Legal blocked the IdP contract (Acme ARR too small).",
    )


class TestTexts:
    @pytest.mark.parametrize("step", list(Step))
    def test_a_customer_never_reads_anything_meant_for_staff(self, step):
        message = customer_message(life(step), "Jane", [{"text": "We need SSO", "account": "Acme"}])

        text = f"{message.subject}\n{message.intro}\n{[(s.heading, s.body) for s in message.sections]}"
        text += f"\n{message.footer}\n{message.link}\n{message.data}"
        assert [leak for leak in STAFF_ONLY if leak.lower() in text.lower()] == []
        assert "\u201cWe need SSO\u201d" in text  # their own words, nothing else of the item

    @pytest.mark.parametrize("step", list(Step))
    def test_staff_read_the_initiative_their_customers_and_where_to_follow(self, step):
        texts = [{"text": "We need SSO", "account": "Acme"}, {"text": "Globex asks for Okta"}]
        message = staff_message(life(step), "Sam", texts, FOLLOW)

        assert message.subject.endswith("SAML single sign-on")
        assert "Acme" in str(message.sections) and FOLLOW in message.footer
        assert ("Legal blocked" in message.intro) is (step is Step.dropped)
        assert ("let them know" in message.footer) is (step is Step.shipped)

    def test_only_shipped_reaches_a_customer_whatever_they_chose(self):
        customer = follower_of({"email": "jane@acme.io", **ZENDESK}, Staff(), ["zendesk"])

        assert not isinstance(customer, str) and customer.audience is Audience.customer
        assert customer.steps(["committed", "dropped"]) == {Step.shipped}


class TestWhoIsWho:
    staff = Staff.of(Directory.of([team("t-billing", [member("pm-ann")], ["billing"])]), ["ourcompany.com"])

    @pytest.mark.parametrize(
        ("reporter", "expected"),
        [
            ({"email": "sam@ourcompany.com", "role": "sales_rep"}, Audience.staff),
            ({"email": None, "member_id": "pm-ann", "role": "other"}, Audience.staff),  # logged by hand
            ({"email": "pm-ann@example.com", "role": "other"}, Audience.staff),  # a member's address
            ({"email": "jane@acme.io", "role": "customer", "source": "zendesk"}, Audience.customer),
            ({"email": "jane@acme.io", "role": "customer", "source": "zendesk-sync"}, Audience.customer),
            ({"email": "jane@acme.io", "role": "customer", "source": "zendeskish"}, None),  # not Zendesk
            ({"email": "jane@acme.io", "role": "customer", "source": "salesforce"}, None),  # no reply there
            ({"email": "sam@gmail.com", "role": "sales_rep"}, None),  # outside the staff domains
            ({"email": "x@acme.io", "role": "csm", "customer_email_domain": "acme.io"}, None),
            ({"email": "who@acme.io", "role": "other"}, None),
            ({"email": None, "role": "sales_rep"}, None),
        ],
    )
    def test_staff_texts_go_only_to_staff_addresses(self, reporter, expected):
        found = follower_of({"name": "N", **reporter}, self.staff, ["zendesk"])

        assert (None if isinstance(found, str) else found.audience) is expected
        if expected is Audience.staff:
            assert not isinstance(found, str) and self.staff.address_allowed(found.email)

    def test_defaults_are_shipped_and_dropped_for_reps_and_committed_too_for_members(self):
        rep = follower_of({"name": "S", "email": "sam@ourcompany.com", "role": "sales_rep"}, self.staff, [])
        pm = follower_of({"name": "A", "member_id": "pm-ann", "role": "other"}, self.staff, [])

        assert not isinstance(rep, str) and rep.steps(None) == {Step.shipped, Step.dropped}
        assert not isinstance(pm, str) and pm.steps(None) == {Step.committed, Step.shipped, Step.dropped}
        assert rep.steps(["in_progress"]) == {Step.in_progress}


async def report(uow, context, *events) -> None:
    await projections.apply_teams(uow, [team_created(team("t-billing", [member("pm-ann")], ["billing"]))])
    await projections.apply_feedback(uow, context, list(events))


def everyone():
    return [
        reported("fb-rep", "sam@ourcompany.com", text="Acme needs SAML before renewal"),
        reported("fb-rep2", "sam@ourcompany.com", text="Globex asks for Okta", account="Globex"),
        reported("fb-desk", "jane@acme.io", text="Please add SSO", **ZENDESK),
        reported("fb-crm", "joe@initech.io", role=ReporterRole.customer, text="SSO?"),  # no help desk
        reported("fb-ann", None, name="Ann", role=ReporterRole.other, member_id="pm-ann"),
    ]


class TestShipped:
    async def test_staff_and_customers_each_get_their_text_and_unreachable_loops_say_why(self, uow, context):
        await report(uow, context, *everyone())

        await loops.on_shipped(
            uow, context, shipped("ini-sso", ["fb-rep", "fb-rep2", "fb-desk", "fb-crm", "fb-ann"])
        )

        by_email = {d["target"]["email"]: d for d in await docs(uow, "deliveries")}
        assert set(by_email) == {"sam@ourcompany.com", "jane@acme.io", "pm-ann@example.com"}
        jane = by_email["jane@acme.io"]
        assert jane["audience"] == "customer" and jane["step"] == "shipped"
        assert [leak for leak in STAFF_ONLY if leak.lower() in str(jane["body"]).lower()] == []
        assert "Please add SSO" in jane["body"]["text"] and "SSO is available" in jane["body"]["text"]
        sam = by_email["sam@ourcompany.com"]
        assert sam["audience"] == "staff" and sam["body"]["subject"] == "Shipped: SAML single sign-on"
        assert "Globex asks for Okta" in sam["body"]["text"] and "let them know" in sam["body"]["text"]
        assert "/v1/feedback/mine" in sam["body"]["text"]
        [crm] = await docs(uow, "loops", feedback_id="fb-crm")
        assert crm["status"] == "not_closed" and "cannot be answered from source salesforce" in crm["reason"]

    async def test_a_rep_who_opted_out_of_shipped_is_not_told_and_their_loop_is_not_closed(
        self, uow, context
    ):
        await report(uow, context, reported("fb-rep", "sam@ourcompany.com"))
        prefs = Preferences(feedback_steps=["dropped"])
        await directory_store.save_preferences(uow, "sam@ourcompany.com", prefs, NOW, expected=0)

        await loops.on_shipped(uow, context, shipped("ini-sso", ["fb-rep"]))

        assert await docs(uow, "deliveries") == []
        [loop] = await docs(uow, "loops")
        assert (
            loop["status"] == "not_closed" and loop["reason"] == "reporter did not opt into shipped messages"
        )


class TestLifecycle:
    async def link_everyone(self, uow, context) -> None:
        await report(uow, context, *everyone())
        for fid in ("fb-rep", "fb-desk", "fb-crm", "fb-ann"):
            await followups.on_lifecycle(uow, context, linked("ini-sso", fid))

    async def test_committed_reaches_members_by_default_and_never_a_customer(self, uow, context):
        await self.link_everyone(uow, context)

        event = moved("ini-sso", InitiativeStatus.committed, InitiativeStatus.aligned)
        await followups.on_lifecycle(uow, context, event)
        await followups.on_lifecycle(uow, context, event)  # redelivered: nobody told twice

        [ann] = await docs(uow, "deliveries")
        assert ann["target"] == {"email": "pm-ann@example.com"} and ann["step"] == "committed"
        assert ann["body"]["subject"] == "Committed: SAML single sign-on"
        assert "committed for 2026-Q4" in ann["body"]["text"]

    async def test_in_progress_reaches_a_rep_who_opted_in(self, uow, context):
        await self.link_everyone(uow, context)
        prefs = Preferences(feedback_steps=["in_progress", "shipped"])
        await directory_store.save_preferences(uow, "sam@ourcompany.com", prefs, NOW, expected=0)

        event = moved("ini-sso", InitiativeStatus.in_progress, InitiativeStatus.committed)
        await followups.on_lifecycle(uow, context, event)

        [sam] = await docs(uow, "deliveries")
        assert sam["target"] == {"email": "sam@ourcompany.com"} and sam["step"] == "in_progress"

    async def test_dropped_tells_staff_the_reason_and_the_customer_nothing(self, uow, context):
        await self.link_everyone(uow, context)
        await followups.on_lifecycle(uow, context, linked("ini-sso", "fb-ann", link=False))

        await followups.on_lifecycle(uow, context, dropped("ini-sso", "Legal blocked the IdP contract"))

        [sam] = await docs(uow, "deliveries")  # Ann's item was unlinked; Jane is a customer
        assert sam["target"] == {"email": "sam@ourcompany.com"} and sam["step"] == "dropped"
        assert "Why: Legal blocked the IdP contract" in sam["body"]["text"]

    async def test_a_status_change_to_shipped_or_dropped_is_left_to_their_own_events(self, uow, context):
        await self.link_everyone(uow, context)

        for to in (InitiativeStatus.aligned, InitiativeStatus.shipped, InitiativeStatus.dropped):
            await followups.on_lifecycle(uow, context, moved("ini-sso", to, InitiativeStatus.proposed))

        assert await docs(uow, "deliveries") == []

    async def test_a_step_read_long_after_it_happened_is_not_told_but_its_links_are_kept(
        self, uow, context, clock
    ):
        await report(uow, context, *everyone())
        clock.now = NOW + timedelta(days=30)  # a first deployment replays last month's history
        committed = moved("ini-sso", InitiativeStatus.committed, InitiativeStatus.aligned)
        for event in (linked("ini-sso", "fb-ann"), committed):
            await followups.on_lifecycle(uow, context, event.model_copy(update={"occurred_at": NOW}))

        assert await docs(uow, "deliveries") == []
        assert [link["feedback_id"] for link in await docs(uow, "links")] == ["fb-ann"]


class TestPreferences:
    async def test_an_unknown_step_is_refused_naming_the_field(self, context):
        with pytest.raises(Invalid) as refused:
            await members.checked_preferences(context, {"feedback_steps": ["shipped", "launched"]})

        assert refused.value.field == "feedback_steps.1"
