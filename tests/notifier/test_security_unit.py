"""Issue 19 from the outside: customer words cannot page a Slack channel or forge a link, no IPv6 form of a
refused IPv4 address passes the SSRF rule (nor a name resolving to one at send time), and a rules document
nested without end is refused without a 500."""

import asyncio
import socket
from email import message_from_bytes
from typing import Any

import pytest
from terrain_contracts.events.notification import Channel
from terrain_notifier.domain.messages import digest_message, insight_message, render
from terrain_notifier.domain.reporter_messages import Lifecycle, Step, staff_message
from terrain_notifier.domain.rules import RulesError, load_document, parse_rules
from terrain_notifier.domain.targets import networks, refusal
from terrain_notifier.jobs.channels import SendError
from terrain_notifier.jobs.channels.email import EmailSender
from terrain_notifier.jobs.channels.http import HttpSender
from terrain_notifier.settings import SmtpSettings

from .factories import insight

pytestmark = pytest.mark.unit

HOSTILE = "<!channel> <!here> <@U123> <http://evil.example|click> & co"
ESCAPED = "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;http://evil.example|click&gt; &amp; co"


def slack_texts(body: dict[str, Any]) -> list[str]:
    """Every text Slack would display: the notification text and each block's (or element's) text."""
    texts = [body["text"]]
    for block in body["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [element["text"] for element in block.get("elements", [])]
    return texts


class TestSlackEscaping:
    def test_customer_words_in_an_insight_cannot_mention_anyone_or_forge_a_link(self):
        hostile = insight().model_copy(
            update={"title": f"Spike {HOSTILE}", "summary": f"They said {HOSTILE}"}
        )
        body = render(Channel.slack, insight_message(hostile, [f"rule {HOSTILE}"]), "n-1")

        texts = slack_texts(body)
        assert body["text"] == f"[warning] Spike {ESCAPED}"
        assert any(f"They said {ESCAPED}" in text for text in texts)
        assert any(f"rule {ESCAPED}" in text for text in texts)
        assert not any("<!" in text or "<@" in text or "<http://evil" in text for text in texts)

    def test_a_digest_escapes_every_title_summary_and_reason(self):
        summaries = [{"title": HOSTILE, "severity": "info", "summary": HOSTILE, "reasons": [HOSTILE]}]
        body = render(Channel.slack, digest_message(summaries, link="http://terrain/v1/inbox"), "n-1")

        assert not any("<!" in text or "<@" in text for text in slack_texts(body))
        assert any(ESCAPED in text for text in slack_texts(body))

    def test_the_link_the_notifier_builds_stays_a_link(self):
        message = insight_message(insight(), ["why"], link="http://terrain/v1/inbox?a=1&b=2")
        [context] = [b for b in render(Channel.slack, message, "n-1")["blocks"] if b["type"] == "context"]

        assert context["elements"][0]["text"] == "<http://terrain/v1/inbox?a=1&amp;b=2|Open in Terrain>"

    def test_escaping_never_cuts_an_entity_in_half_at_slack_s_limits(self):
        long = insight().model_copy(update={"title": "&" * 400, "summary": "<" * 5000})
        body = render(Channel.slack, insight_message(long, ["why"]), "n-1")

        header, _intro, what, *_ = body["blocks"]
        assert len(header["text"]["text"]) <= 150 and header["text"]["text"].endswith("&amp;")
        assert len(what["text"]["text"]) <= 3000 and what["text"]["text"].endswith("&lt;")

    def test_email_and_webhooks_carry_the_words_as_they_were(self):
        hostile = insight().model_copy(update={"title": HOSTILE})
        life = Lifecycle(Step.shipped, "init-1", HOSTILE, "2026-Q4", release_note="note")
        message = staff_message(life, "Sam", [{"text": HOSTILE}], "http://feedback/v1/feedback/mine")
        assert HOSTILE in render(Channel.email, message, "n-1")["text"]  # plain text stays plain
        webhook = render(Channel.webhook, insight_message(hostile, ["why"]), "n-1")
        assert webhook["insight"]["title"] == HOSTILE  # JSON, not markup: the receiver escapes for its medium

    async def test_an_email_has_a_plain_text_part_only_so_nothing_needs_html_escaping(self, monkeypatch):
        sent = []
        sender = EmailSender(SmtpSettings())
        monkeypatch.setattr(sender, "_send", sent.append)

        await sender.send("a@example.com", HOSTILE, f"<b>{HOSTILE}</b>", "n-1")

        [message] = sent
        parsed = message_from_bytes(message.as_bytes())
        assert [part.get_content_type() for part in parsed.walk()] == ["text/plain"]


class TestSsrf:
    @pytest.mark.parametrize(
        "address",
        [
            "::ffff:127.0.0.1",  # IPv4-mapped
            "::127.0.0.1",  # IPv4-compatible (deprecated)
            "::10.0.0.1",
            "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
            "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
            "64:ff9b:1::a00:1",  # local-use NAT64 prefix, 10.0.0.1
            "2002:7f00:1::",  # 6to4 of 127.0.0.1
            "2002:a00:1::1",  # 6to4 of 10.0.0.1
            "2001:0:7f00:1::",  # Teredo whose server is 127.0.0.1
            "2001:0:808:808:0:0:f5ff:fffe",  # Teredo whose client (obfuscated) is 10.0.0.1
        ],
    )
    def test_every_ipv6_form_embedding_a_refused_ipv4_address_is_refused(self, address):
        assert refusal(address, []) is not None

    def test_embedded_public_addresses_pass_and_an_allow_list_of_the_ipv4_network_covers_them(self):
        assert refusal("64:ff9b::808:808", []) is None  # NAT64 of 8.8.8.8
        assert refusal("2002:808:808::1", []) is None  # 6to4 of 8.8.8.8
        assert refusal("2002:7f00:1::", networks(["127.0.0.1/32"])) is None

    def test_rules_naming_a_nat64_or_6to4_literal_are_refused(self):
        for url in ("http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/"):
            with pytest.raises(RulesError) as refused:
                parse_rules({"endpoints": {"s": {"channel": "slack", "url": url}}})
            assert refused.value.errors[0].field == "endpoints.s.url"

    @pytest.mark.parametrize(
        "resolved", [(socket.AF_INET, ("10.1.2.3", 443)), (socket.AF_INET6, ("64:ff9b::a00:1", 443, 0, 0))]
    )
    async def test_a_name_resolving_to_a_private_address_is_refused_at_send_time_before_connecting(
        self, monkeypatch, resolved
    ):
        family, address = resolved

        async def resolves_privately(host, port, **kwargs):
            return [(family, socket.SOCK_STREAM, 6, "", address)]

        class NeverCalled:
            async def post(self, *args, **kwargs):
                raise AssertionError("the refused target was called")

        monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", resolves_privately)
        sender = HttpSender(NeverCalled(), [])  # type: ignore[arg-type]

        with pytest.raises(SendError) as refused:
            await sender.post_json("https://hooks.example.com/x", {"text": "hi"})
        assert not refused.value.retryable and "refused target hooks.example.com" in refused.value.reason


DEEP = 50_000


class TestNestedDocuments:
    @pytest.mark.parametrize(
        "text",
        [
            "[" * DEEP + "]" * DEEP,  # JSON (YAML flow) sequences
            '{"a": ' * DEEP + "1" + "}" * DEEP,  # JSON objects
            "".join(f"{' ' * i}a:\n" for i in range(3000)),  # YAML block mappings, 3000 deep
        ],
        ids=["sequences", "objects", "block-mappings"],
    )
    def test_a_document_nested_thousands_deep_is_refused_naming_the_document(self, text):
        with pytest.raises(RulesError) as refused:
            load_document(text)

        assert refused.value.status == 422 and refused.value.errors[0].field == "(document)"
        assert "nested deeper than" in refused.value.errors[0].message

    def test_ordinary_documents_load(self):
        assert (
            load_document('{"routes": [{"name": "r", "when": {"themes": ["a"]}}]}')["routes"][0]["name"]
            == "r"
        )
        assert load_document("a: [1, {b: 2}]") == {"a": [1, {"b": 2}]}
        assert load_document("") is None
