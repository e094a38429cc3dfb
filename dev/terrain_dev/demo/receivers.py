"""The outside world the notifier talks to in the demo: a real SMTP server (the company's mailboxes)
and an HTTP server standing in for Slack's incoming webhooks. Each message received is recorded."""

import asyncio
import email
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy

import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request

from ..waiting import eventually


@dataclass(frozen=True)
class Received:
    channel: str  # email or slack
    to: str
    subject: str
    body: str
    at: float  # time.time()


@dataclass
class Receivers:
    smtp_port: int
    http_port: int
    on_message: Callable[[Received], None] = lambda message: None
    messages: list[Received] = field(default_factory=list)
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
