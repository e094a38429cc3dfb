"""What goes on the wire: Standard Webhooks signatures, Slack blocks, messages; breakers; loop grouping."""

import json
import time
from functools import partial

import pytest
from standardwebhooks import Webhook
from terrain_contracts.events.notification import Channel
from terrain_notifier.domain.breaker import Breakers, State
from terrain_notifier.domain.followups import Staff, follower_of
from terrain_notifier.domain.loops import group_by_reporter, rate
from terrain_notifier.domain.messages import digest_message, insight_message, render
from terrain_notifier.domain.reporter_messages import Lifecycle, Step, staff_message
from terrain_notifier.domain.signing import signature_headers

from .factories import insight

pytestmark = pytest.mark.unit

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_our_webhook_signature_verifies_with_the_reference_implementation():
    body = json.dumps({"hello": "world"}).encode()
    headers = signature_headers(SECRET, "n-123", int(time.time()), body)
    assert Webhook(SECRET).verify(body, headers) == {"hello": "world"}
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(SECRET).verify(body + b" ", headers)


def test_slack_gets_a_header_and_sections_within_its_limits():
    message = insight_message(insight(), ["PM of billing"], link="http://terrain/v1/inbox")
    body = render(Channel.slack, message, "n-1")
    assert body["text"] == "[warning] Spike in billing"
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "section", "section", "context"]
    huge = digest_message(
        [{"title": f"t{i}", "severity": "info", "summary": "x" * 4000, "reasons": ["r"]} for i in range(80)]
    )
    blocks = render(Channel.slack, huge, "n-2")["blocks"]
    assert len(blocks) <= 50 and all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


def test_a_webhook_payload_carries_the_insight_and_the_reasons():
    body = render(Channel.webhook, insight_message(insight(), ["why"]), "n-1")
    assert body["type"] == "terrain.notification.insight" and body["notification_id"] == "n-1"
    assert body["insight"]["dedup_key"] == "spike:billing:invoices" and body["reasons"] == ["why"]


def test_a_loop_closure_quotes_each_customer():
    message = staff_message(
        Lifecycle(Step.shipped, "init-1", "SSO", "2026-Q4", release_note="SSO is live."),
        "Sam",
        [{"text": "We need SSO", "account": "Acme"}, {"text": "Okta please"}],
        "http://feedback/v1/feedback/mine",
    )
    text = render(Channel.email, message, "n-1")["text"]
    assert "Hi Sam" in text and "SSO is live." in text
    assert "Acme\n\u201cWe need SSO\u201d" in text and "A customer\n\u201cOkta please\u201d" in text


def test_a_circuit_opens_after_repeated_failures_and_lets_one_probe_through_after_the_cooldown():
    now = [0.0]
    breakers = Breakers(failures=3, cooldown=30, clock=lambda: now[0])
    for _ in range(3):
        assert breakers.allow("hook") is None
        breakers.failed("hook")
    assert breakers.state("hook") is State.open
    assert breakers.allow("hook") == 30
    assert breakers.allow("other") is None  # per endpoint
    now[0] = 31
    assert breakers.allow("hook") is None  # the probe
    assert breakers.allow("hook") is not None  # only one at a time
    breakers.failed("hook")
    assert breakers.state("hook") is State.open  # the probe failed: open again
    now[0] = 62
    assert breakers.allow("hook") is None
    breakers.succeeded("hook")
    assert breakers.state("hook") is State.closed and breakers.allow("hook") is None


def test_loops_group_by_reporter_email_and_count_reporters_without_email_as_not_closed():
    reporters = {
        "f1": {"name": "Sam", "email": "Sam@x.com", "text": "a", "role": "sales_rep"},
        "f2": {"name": "Sam", "email": "sam@x.com", "text": "b", "account_name": "Acme", "role": "sales_rep"},
        "f3": {"name": "Alex", "email": None, "text": "c", "role": "sales_rep"},
        "f4": {"erased": True},
    }
    follower = partial(follower_of, staff=Staff(), customer_sources=[])
    grouped = group_by_reporter(["f1", "f2", "f3", "f4", "f5", "f1"], reporters, follower)
    assert list(grouped.by_reporter) == ["sam@x.com"]
    assert grouped.by_reporter["sam@x.com"].feedback_ids == ["f1", "f2"]
    assert [(f, reason) for f, _, reason in grouped.not_closed] == [
        ("f3", "reporter has no email"),
        ("f4", "feedback erased"),
        ("f5", "feedback unknown to the notifier"),
    ]
    assert rate(3, 1) == 0.75 and rate(0, 0) is None
