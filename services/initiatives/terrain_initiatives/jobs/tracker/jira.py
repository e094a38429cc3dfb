"""Jira Cloud: issues through REST API v3 (basic auth: account email + API token), signed admin webhooks.

- create: ``POST /rest/api/3/issue`` with the description in Atlassian Document Format; answers 201
  ``{"id", "key", "self"}``. The issue carries the label ``terrain-<initiative id>`` so that a retry after
  a lost answer finds it (``GET /rest/api/3/search/jql``) instead of creating a second one.
- link: ``GET /rest/api/3/issue/{key}`` (404: no such issue).
- webhooks: registered as admin webhooks with a secret, Jira signs the raw body:
  ``X-Hub-Signature: sha256=<hex HMAC-SHA256>``; the body's ``timestamp`` (milliseconds) dates it.
"""

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from ...domain.tracker import IssueRef, NewIssue, NotAuthentic, NotUnderstood, StatusChange, TrackerError
from ...settings import JiraSettings

ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,99}-[1-9][0-9]{0,17}$")
MOVING_EVENTS = frozenset({"jira:issue_created", "jira:issue_updated"})


def label_of(initiative_id: str) -> str:
    return f"terrain-{initiative_id}"


def _paragraph(text: str) -> dict[str, Any]:
    return {"type": "paragraph", "content": [{"type": "text", "text": text}]}


def _heading(text: str) -> dict[str, Any]:
    return {"type": "heading", "attrs": {"level": 3}, "content": [{"type": "text", "text": text}]}


def description(issue: NewIssue) -> dict[str, Any]:
    """The briefing as an Atlassian Document Format document (API v3 takes no plain text)."""
    return {
        "type": "doc",
        "version": 1,
        "content": [
            _heading("Problem"),
            _paragraph(issue.problem),
            _heading("Intention"),
            _paragraph(issue.intention),
            _paragraph(
                f"Terrain initiative {issue.initiative_id} ({issue.quarter}, team {issue.owner_team_id})."
            ),
        ],
    }


def _refusal(response: httpx.Response) -> str:
    """Jira's error body ``{"errorMessages": [...], "errors": {field: message}}`` in one line."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    parts = [str(m) for m in body.get("errorMessages") or []]
    parts += [f"{field}: {message}" for field, message in (body.get("errors") or {}).items()]
    return f"HTTP {response.status_code}: {'; '.join(parts) or 'no detail'}"[:1000]


def _check(response: httpx.Response, doing: str) -> None:
    if response.status_code < 300:
        return
    # Throttled or Jira down: later may work. Any other refusal (bad project, no permission) will not.
    retryable = response.status_code == 429 or response.status_code >= 500
    raise TrackerError(f"Jira refused to {doing}: {_refusal(response)}", retryable=retryable)


def _get(body: Any, *path: str) -> Any:
    for name in path:
        if not isinstance(body, dict) or name not in body:
            raise NotUnderstood(".".join(path), "missing")
        body = body[name]
    return body


class JiraTracker:
    name = "jira"

    def __init__(self, settings: JiraSettings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.site = settings.site_url.rstrip("/")
        self.client = client
        # The token goes into the Authorization header only; httpx never logs it.
        self.auth = httpx.BasicAuth(settings.email, settings.api_token.get_secret_value())

    def _ref(self, key: str) -> IssueRef:
        return IssueRef(key=key, url=f"{self.site}/browse/{key}")

    async def _call(self, method: str, path: str, doing: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self.client.request(
                method,
                f"{self.site}{path}",
                auth=self.auth,
                headers={"Accept": "application/json"},
                timeout=self.settings.timeout_seconds,
                **kwargs,
            )
        except httpx.HTTPError as exc:
            raise TrackerError(f"Jira unreachable to {doing}: {type(exc).__name__}", retryable=True) from exc
        return response

    async def create_issue(self, issue: NewIssue) -> IssueRef:
        fields = {
            "project": {"key": self.settings.project_key},
            "issuetype": {"name": self.settings.issue_type},
            "summary": issue.title[:255],
            "description": description(issue),
            "labels": ["terrain", label_of(issue.initiative_id)],
        }
        response = await self._call("POST", "/rest/api/3/issue", "create an issue", json={"fields": fields})
        _check(response, "create an issue")
        key = response.json().get("key")
        if not isinstance(key, str) or not ISSUE_KEY.match(key):
            raise TrackerError(f"Jira answered no issue key: {response.text[:200]}", retryable=False)
        return self._ref(key)

    async def find_issue(self, initiative_id: str) -> IssueRef | None:
        params = {"jql": f'labels = "{label_of(initiative_id)}"', "fields": "key", "maxResults": "1"}
        response = await self._call("GET", "/rest/api/3/search/jql", "search issues", params=params)
        _check(response, "search issues")
        issues = response.json().get("issues") or []
        return self._ref(issues[0]["key"]) if issues else None

    async def link(self, issue_key: str) -> IssueRef:
        if not ISSUE_KEY.match(issue_key):
            raise TrackerError(f"{issue_key!r} is not a Jira issue key (e.g. TRN-42)", retryable=False)
        response = await self._call(
            "GET", f"/rest/api/3/issue/{issue_key}", "read the issue", params={"fields": "status"}
        )
        if response.status_code == 404:
            raise TrackerError(f"no Jira issue {issue_key} (or not visible to the account)", retryable=False)
        _check(response, "read the issue")
        return self._ref(response.json().get("key", issue_key))

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        secret = self.settings.webhook_secret.get_secret_value()
        if not secret:
            raise NotAuthentic("Jira webhooks have no secret configured")
        presented = headers.get("x-hub-signature", "")
        method, _, digest = presented.partition("=")
        if method != "sha256" or not digest:
            raise NotAuthentic("X-Hub-Signature missing or not sha256=<hex>")
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(digest.lower().encode(), expected.encode()):
            raise NotAuthentic("X-Hub-Signature does not match the body")

    def parse_webhook(self, body: bytes) -> StatusChange | None:
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise NotUnderstood("body", "not JSON") from exc
        if not isinstance(payload, dict):
            raise NotUnderstood("body", "not a JSON object")
        if payload.get("webhookEvent") not in MOVING_EVENTS:
            return None
        key = _get(payload, "issue", "key")
        if not isinstance(key, str) or not ISSUE_KEY.match(key):
            raise NotUnderstood("issue.key", "not a Jira issue key")
        status = _get(payload, "issue", "fields", "status")
        name, category = _get(status, "name"), _get(status, "statusCategory", "key")
        if not isinstance(name, str) or not isinstance(category, str):
            raise NotUnderstood("issue.fields.status", "name and statusCategory.key must be text")
        sent = payload.get("timestamp")
        sent_at = sent / 1000 if isinstance(sent, int) and 0 < sent < 10**15 else None
        return StatusChange(issue_key=key, status=name[:200], category=category[:50], sent_at=sent_at)
