"""Links in messages: the console's pages when its URL is set, else the notifier's own inbox API."""

import pytest
from terrain_notifier.handlers.context import Context
from terrain_notifier.settings import NotifierSettings

pytestmark = pytest.mark.unit


async def no_dns(host: str) -> None:
    return None


def context(**settings) -> Context:
    return Context(NotifierSettings(**settings), check_hosts=no_dns)


def test_with_the_console_links_open_the_insight_the_ballot_or_the_inbox():
    ctx = context(console_url="https://terrain.example.com/")

    assert ctx.page("/insights/ins-1") == "https://terrain.example.com/insights/ins-1"
    assert ctx.topic_page("ballot:bal-7") == "https://terrain.example.com/ballots/bal-7"
    assert ctx.topic_page("ballot:bal-7:prj-1") == "https://terrain.example.com/ballots/bal-7"
    assert ctx.topic_page("dependency:dep-3") == "https://terrain.example.com/inbox"
    assert ctx.inbox_link == "https://terrain.example.com/inbox"


def test_without_it_every_link_is_the_inbox_api():
    ctx = context(public_url="http://notifier:8104")

    assert ctx.page("/insights/ins-1") == ctx.topic_page("ballot:bal-7") == "http://notifier:8104/v1/inbox"
