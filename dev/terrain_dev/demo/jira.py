"""The demo's Jira: the issue created when the exports initiative is committed, then moved by Jira.

The initiatives service creates the issue in the demo's fake Jira (``receivers.FakeJira``) by itself; the
demo plays the developer who starts it in Jira, whose signed webhook moves the initiative to in progress.
"""

import time
from collections.abc import Callable

from ..waiting import eventually
from .client import Refused, Services
from .quarter import Briefing
from .receivers import JIRA_SECRET, jira_webhook


async def issue_of(services: Services, briefing: Briefing) -> dict:
    """The Jira issue the service created on commit (waits for its sync worker)."""

    async def linked() -> dict:
        found = await services.as_member(
            "initiatives", "GET", f"/v1/initiatives/{briefing.initiative_id}/tracker", "viewer"
        )
        return found["tracker"] or {}  # falsy until the issue is recorded

    return await eventually(linked, timeout=60, what=f"the Jira issue of '{briefing.title}'")


async def started_in_jira(services: Services, briefing: Briefing, say: Callable[[str], None]) -> None:
    """No double entry: the issue exists in Jira, and Jira says when the work starts."""
    issue = await issue_of(services, briefing)
    key = issue["issue_key"]
    say(f"   [jira] {key} created on commit for '{briefing.title}': {issue['issue_url']}")
    body, headers = jira_webhook(JIRA_SECRET, key, "In Progress", "indeterminate", at=time.time())
    answer = await services.raw(
        "initiatives", "POST", "/v1/webhooks/jira", None, content=body, headers=headers
    )
    if answer.status_code != 200:
        raise Refused(f"the Jira webhook -> {answer.status_code}: {answer.text[:300]}")
    current = await services.as_member(
        "initiatives", "GET", f"/v1/initiatives/{briefing.initiative_id}", "viewer"
    )
    briefing.version = current["initiative"]["version"]
    say(
        f"   [jira] a developer moves {key} to In Progress; Jira's signed webhook moves the initiative: "
        f"{current['initiative']['status']} ({answer.json()['outcome']})"
    )
