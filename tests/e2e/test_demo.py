"""The newcomer's demo, shortened, against the four real service processes: every outcome it shows."""

import pytest
import pytest_asyncio
from terrain_dev import demo
from terrain_dev.demo import org
from terrain_dev.servers import free_port
from terrain_dev.stack import Printer, Stack, StackConfig


@pytest.fixture(scope="module")
def ports() -> demo.Ports:
    return demo.Ports(smtp=free_port(), http=free_port())


@pytest.fixture(scope="module")
def stack(tmp_path_factory, ports):
    config = StackConfig.on_free_ports(tmp_path_factory.mktemp("demo"), extra_env=demo.environment(ports))
    with Stack(config, Printer(colour=False)) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def played(stack, ports):
    receivers = demo.Receivers(ports.smtp, ports.http)
    await receivers.start()
    lines: list[str] = []
    try:
        urls = {name: process.base_url for name, process in stack.services.items()}
        bus = demo.Bus(stack.nats_url_as("tools"), stack.nats_url_as("ops"))
        result = await demo.run(urls, bus, stack.admin_key, receivers, lines.append, short=True)
    finally:
        await receivers.stop()
    return result, lines


@pytest.fixture
def result(played) -> demo.Demo:
    return played[0]


@pytest.fixture
def narration(played) -> str:
    return "\n".join(played[1])


pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


async def test_feedback_is_ingested_and_a_copied_ticket_is_linked_as_a_near_duplicate(result):
    assert result.observer.counts["FeedbackIngested"] >= 60 + 4 + 2 + 8 + 4 + 1
    assert result.observer.counts["duplicates"] >= 1


async def test_a_customers_slack_message_is_captured_and_answered_in_its_thread(result):
    answers = [m for m in result.receivers.messages if m.channel == "slack" and m.to == "deals-thread"]
    assert len(answers) == 1 and "fb-" in answers[0].body


async def test_malformed_input_is_dead_lettered_with_its_reason_and_bad_webhooks_get_4xx(result, narration):
    [dead] = [d for d in result.observer.dead_letters if d.consumer == "feedback-intake"]
    assert "data.text: Field required" in dead.reason
    assert any(e.field == "data.text" for r in result.observer.rejected for e in r.errors)
    assert "an unsigned Zendesk delivery: HTTP 401" in narration
    assert "HTTP 422" in narration and "ticket.description" in narration


async def test_a_spike_unowned_demand_and_churn_risk_are_raised_with_their_numbers(result):
    by_kind = {insight.kind.value: insight for insight in result.observer.insights.values()}
    assert by_kind["spike"].theme in ("data-export", "sso") and by_kind["spike"].metrics["items"] >= 5
    spikes = {i.theme for i in result.observer.insights.values() if i.kind.value == "spike"}
    assert "data-export" in spikes
    unowned = by_kind["unowned_demand"]
    assert unowned.theme == "sso" and unowned.metrics["accounts"] >= 3
    churn = {i.account_id for i in result.observer.insights.values() if i.kind.value == "churn_risk"}
    assert "acc-atelier-cobalt" in churn  # renewing in 25 days with a large ARR


async def test_the_owning_pm_is_notified_and_told_why(result, narration):
    slack = [m for m in result.receivers.messages if m.channel == "slack"]
    assert any(m.to == org.HUGO.member_id and "data-export" in m.body for m in slack)
    assert any(m.to == org.AMIR.member_id and "sso" in m.body for m in slack)
    assert "[notified] Hugo Bernard by slack" in narration
    assert "why: PM of Reporting & Insights (squad-reporting), owner of area reporting" in narration
    assert result.inbox, "Hugo's inbox, read with his own key, holds his notifications"


async def test_the_quarter_is_planned_voted_and_an_initiative_ships(result, narration):
    counts = result.observer.counts
    assert counts["InitiativeDependencyRequested"] == 1 and counts["InitiativeDependencyAnswered"] == 1
    assert counts["BallotClosed"] == 1 and "quorum met" in narration
    assert counts["InitiativeShipped"] == 1


async def test_every_reporter_of_linked_feedback_hears_it_shipped_once(result):
    assert result.linked >= 1
    assert len(result.observer.loops) == result.linked
    emails = [
        m for m in result.receivers.messages if m.channel == "email" and m.subject.startswith("Shipped")
    ]
    reporters = {loop.reporter_email for loop in result.observer.loops}
    assert sorted(m.to for m in emails) == sorted(reporters)  # one message per reporter, not per item


async def test_the_rep_who_logged_a_call_note_by_hand_is_told_it_shipped(result):
    [note] = set(result.observer.by_hand)  # logged, then retried: one item
    [told] = [loop for loop in result.observer.loops if loop.feedback_id == note]
    assert told.channel == "email"


async def test_the_summary_gives_counts_and_the_latency_observed(result, narration):
    assert "Summary" in narration and "end-to-end latency" in narration
    assert result.observer.latencies
    assert max(seconds for _, seconds in result.observer.latencies) < 10
