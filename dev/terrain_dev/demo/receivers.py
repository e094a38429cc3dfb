"""The outside world the services talk to in the demo: a real SMTP server (the company's mailboxes), an
HTTP server standing in for Slack's incoming webhooks, and a fake Jira Cloud (the delivery tracker).
Each message received is recorded."""

import asyncio
import base64
import email
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy

import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..waiting import eventually


@dataclass(frozen=True)
class Received:
    channel: str  # email, slack, or jira (an issue created)
    to: str
    subject: str
    body: str
    at: float  # time.time()


@dataclass
class Receivers:
    smtp_port: int
    http_port: int
    on_message: Callable[[Received], None] = lambda message: None
    jira_port: int | None = None  # a fake Jira Cloud too (the delivery tracker), when given
    messages: list[Received] = field(default_factory=list)
    jira: "FakeJira | None" = None
    _smtp: Controller | None = None
    _http: uvicorn.Server | None = None
    _task: asyncio.Task | None = None

    def slack_url(self, channel: str) -> str:
        return f"http://127.0.0.1:{self.http_port}/slack/{channel}"

    def _record(self, message: Received) -> None:
        self.messages.append(message)
        self.on_message(message)

    async def start(self) -> None:
        receivers = self

        class Mailbox:
            async def handle_DATA(self, server, session, envelope):
                parsed = email.message_from_bytes(envelope.content, policy=policy.default)
                part = parsed.get_body(preferencelist=("plain", "html"))
                body = part.get_content() if part is not None else ""
                for recipient in envelope.rcpt_tos:
                    receivers._record(
                        Received("email", recipient, str(parsed["Subject"] or ""), body, time.time())
                    )
                return "250 Message accepted for delivery"

        self._smtp = Controller(Mailbox(), hostname="127.0.0.1", port=self.smtp_port)
        self._smtp.start()
        if self.jira_port is not None:
            self.jira = FakeJira(
                self.jira_port,
                on_created=lambda key, summary: self._record(Received("jira", key, summary, "", time.time())),
            )
            await self.jira.start()

        app = FastAPI()

        @app.post("/slack/{channel}")
        async def slack(channel: str, request: Request) -> dict:
            payload = await request.json()
            self._record(Received("slack", channel, "", str(payload.get("text", "")), time.time()))
            return {"ok": True}

        self._http = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.http_port, log_config=None, access_log=False, lifespan="off"
            )
        )
        server = self._http
        task = self._task = asyncio.create_task(server.serve())

        async def started() -> bool:
            if task.done():
                task.result()  # the server could not start: say why
            return server.started

        await eventually(started, timeout=30, what="the demo's webhook receiver")

    async def stop(self) -> None:
        if self._http is not None and self._task is not None:
            self._http.should_exit = True
            await self._task
        if self._smtp is not None:
            self._smtp.stop()
        if self.jira is not None:
            await self.jira.stop()


# -- Jira Cloud, as far as Terrain speaks to it ------------------------------------------------------------

JIRA_SECRET = "demo-jira-webhook-secret"  # the admin webhook's secret (demo only)


def jira_environment(port: int) -> dict[str, str]:
    """What the initiatives service needs to create its issues in the demo's fake Jira."""
    return {
        "INITIATIVES_TRACKER__KIND": "jira",
        "INITIATIVES_TRACKER__JIRA__SITE_URL": f"http://127.0.0.1:{port}",
        "INITIATIVES_TRACKER__JIRA__EMAIL": FakeJira.email,
        "INITIATIVES_TRACKER__JIRA__API_TOKEN": FakeJira.token,
        "INITIATIVES_TRACKER__JIRA__WEBHOOK_SECRET": JIRA_SECRET,
        "INITIATIVES_TRACKER__POLL_SECONDS": "1",
    }


def jira_webhook(
    secret: str, issue_key: str, status: str, category: str, at: float, event: str = "jira:issue_updated"
) -> tuple[bytes, dict[str, str]]:
    """A Jira admin webhook's body and headers: ``X-Hub-Signature: sha256=<HMAC of the body>``."""
    body = json.dumps(
        {
            "timestamp": int(at * 1000),
            "webhookEvent": event,
            "issue_event_type_name": "issue_generic",
            "user": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Dana Dev"},
            "issue": {
                "id": "10001",
                "key": issue_key,
                "fields": {
                    "summary": "(as in Jira)",
                    "status": {"name": status, "id": "3", "statusCategory": {"key": category, "id": 4}},
                },
            },
            "changelog": {"items": [{"field": "status", "toString": status}]},
        }
    ).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"content-type": "application/json", "x-hub-signature": f"sha256={signature}"}


@dataclass
class FakeJira:
    """A local HTTP server answering the Jira Cloud REST API v3 calls Terrain makes, with their documented
    request and response shapes: create an issue (``POST /rest/api/3/issue``, ADF description), search by
    JQL label (``GET /rest/api/3/search/jql``), read an issue (``GET /rest/api/3/issue/{key}``).

    ``answers`` queues statuses for the next creations: 503 fails before creating, ``"lost"`` creates the
    issue and answers 503 (an answer lost on the way), 400 refuses as Jira does for an unknown project."""

    port: int
    email: str = "terrain@example.com"
    token: str = "jira-api-token"
    project: str = "TRN"
    issues: dict[str, dict] = field(default_factory=dict)
    creations: list[dict] = field(default_factory=list)  # every create request's body
    answers: list[int | str] = field(default_factory=list)
    on_created: Callable[[str, str], None] = lambda key, summary: None
    _http: uvicorn.Server | None = None
    _task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, key: str, summary: str = "Existing issue", labels: tuple[str, ...] = ()) -> None:
        self.issues[key] = {
            "id": str(10000 + len(self.issues)),
            "key": key,
            "summary": summary,
            "labels": list(labels),
        }

    def _authorized(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def app(self) -> FastAPI:
        app = FastAPI()
        refused = JSONResponse(status_code=401, content={"errorMessages": ["Unauthorized"], "errors": {}})

        @app.post("/rest/api/3/issue")
        async def create(request: Request) -> JSONResponse:
            if not self._authorized(request):
                return refused
            body = await request.json()
            self.creations.append(body)
            answer = self.answers.pop(0) if self.answers else 201
            if answer == 400 or body["fields"]["project"].get("key") != self.project:
                errors = {"project": "valid project is required"}
                return JSONResponse(status_code=400, content={"errorMessages": [], "errors": errors})
            if answer == 503:
                return JSONResponse(status_code=503, content={"errorMessages": ["try later"], "errors": {}})
            fields = body["fields"]
            adf = fields.get("description") or {}
            if (
                adf.get("type") != "doc"
                or adf.get("version") != 1
                or not isinstance(fields.get("summary"), str)
            ):
                errors = {"description": "Operation value must be an Atlassian Document (see ADF)."}
                return JSONResponse(status_code=400, content={"errorMessages": [], "errors": errors})
            key = f"{self.project}-{len(self.issues) + 1}"
            self.add(key, fields["summary"], tuple(fields.get("labels", ())))
            self.on_created(key, fields["summary"])
            if answer == "lost":
                return JSONResponse(status_code=503, content={"errorMessages": ["gateway"], "errors": {}})
            issue = self.issues[key]
            return JSONResponse(
                status_code=201,
                content={"id": issue["id"], "key": key, "self": f"{self.url}/rest/api/3/issue/{issue['id']}"},
            )

        @app.get("/rest/api/3/search/jql")
        async def search(request: Request, jql: str) -> JSONResponse:
            if not self._authorized(request):
                return refused
            label = jql.partition("=")[2].strip().strip('"')
            found = [{"id": i["id"], "key": i["key"]} for i in self.issues.values() if label in i["labels"]]
            return JSONResponse(content={"issues": found[:1], "isLast": True})

        @app.get("/rest/api/3/issue/{key}")
        async def read(request: Request, key: str) -> JSONResponse:
            if not self._authorized(request):
                return refused
            if key not in self.issues:
                message = "Issue does not exist or you do not have permission to see it."
                return JSONResponse(status_code=404, content={"errorMessages": [message], "errors": {}})
            issue = self.issues[key]
            status = {"name": "To Do", "statusCategory": {"key": "new"}}
            return JSONResponse(content={"id": issue["id"], "key": key, "fields": {"status": status}})

        return app

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app(), host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="off"
        )
        server = self._http = uvicorn.Server(config)
        task = self._task = asyncio.create_task(server.serve())

        async def started() -> bool:
            if task.done():
                task.result()
            return server.started

        await eventually(started, timeout=30, what="the fake Jira")

    async def stop(self) -> None:
        if self._http is not None and self._task is not None:
            self._http.should_exit = True
            await self._task
