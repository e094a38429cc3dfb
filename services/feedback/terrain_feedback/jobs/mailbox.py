"""The feedback mailbox: an SMTP listener (aiosmtpd) whose messages to one address become feedback.

Started with the service when ``FEEDBACK_MAILBOX__ENABLED=true``. It accepts mail for ``MAILBOX__ADDRESS``
(and its ``+tag`` forms, the tag naming the customer) and nothing else (550), from the staff's domains
(``MAILBOX__SENDER_DOMAINS``), at most ``MAX_MESSAGE_BYTES`` (552). The sender (``From``) is the reporter;
the subject and the new words of the body (quoted history and signature cut) are the text; the
``Message-ID`` identifies the item, so a message delivered twice is stored once. It answers 250 only
after the item and its feedback.ingested are committed, so the sending server keeps what was not stored.

SMTP itself authenticates nobody: put the listener behind the company's mail gateway (which checks SPF,
DKIM and DMARC and relays to it) and never expose its port to the internet.
"""

import asyncio
import hashlib
import logging
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import ValidationError
from terrain_contracts.events.feedback import FeedbackKind, FeedbackSubmittedData, IntakeChannel
from terrain_contracts.types import utcnow
from terrain_kit.service import Service

from .. import metrics
from ..domain.capture import is_email, mail_customer, mail_text, reporter_of
from ..domain.items import Outcome
from ..domain.webhooks.values import html_text
from ..handlers import logged
from ..handlers.context import Context
from ..handlers.intake import Submission
from ..settings import MailboxSettings

log = logging.getLogger(__name__)


def for_mailbox(address: str, mailbox: str) -> bool:
    local, _, domain = mailbox.lower().partition("@")
    name, _, host = address.lower().partition("@")
    return host == domain and (name == local or name.startswith(local + "+"))


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    return content if part.get_content_type() == "text/plain" else str(html_text(content) or "")


def submission_of(content: bytes, rcpt_tos: list[str], settings: MailboxSettings) -> Submission | str:
    """The message as a submission, or the SMTP reply refusing it."""
    message = BytesParser(policy=policy.default).parsebytes(content)
    assert isinstance(message, EmailMessage)  # policy.default parses into EmailMessage
    name, sender = parseaddr(str(message.get("From", "")))
    if not is_email(sender):
        return "550 5.1.7 From is not an email address"
    if settings.sender_domains and sender.lower().rsplit("@", 1)[1] not in settings.sender_domains:
        return "550 5.7.1 only staff may log feedback here"
    recipients = [a for _, a in getaddresses([str(message.get(h, "")) for h in ("To", "Cc")]) if a]
    text = mail_text(str(message.get("Subject", "")), body_of(message))
    message_id = str(message.get("Message-ID", "")).strip("<> ")
    key = message_id or hashlib.sha256(content).hexdigest()[:32]
    try:
        data = FeedbackSubmittedData(
            source=settings.source,
            external_id=key[:256],
            kind=FeedbackKind.field,
            reporter=reporter_of(name or sender, sender.lower()),
            customer=mail_customer([*rcpt_tos, *recipients], settings.address, settings.sender_domains),
            text=text[:20_000] or " ",
            occurred_at=sent_at(message),
        )
    except (ValidationError, ValueError, TypeError) as exc:
        return f"550 5.6.0 not feedback: {str(exc).splitlines()[0][:200]}"
    return Submission(data, IntakeChannel.api)


def sent_at(message: EmailMessage) -> datetime:
    """The message's Date when it is a real, zoned date; else now (a bad Date does not refuse the words)."""
    try:
        when = parsedate_to_datetime(str(message["Date"])) if message.get("Date") else None
    except (ValueError, TypeError, IndexError):
        return utcnow()
    return when.astimezone(UTC) if when is not None and when.tzinfo else utcnow()


class MailboxHandler:
    """aiosmtpd's handler: recipients checked at RCPT, the message stored at DATA."""

    def __init__(self, service: Service, context: Context) -> None:
        self.service, self.context = service, context

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not for_mailbox(address, self.context.mailbox.address):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        submission = submission_of(raw, list(envelope.rcpt_tos), self.context.mailbox)
        if isinstance(submission, str):
            metrics.WEBHOOKS.labels("email", "invalid").inc()
            return submission
        try:
            done = await logged.log_with_retries(self.service.transactions, self.context, submission)
        except Exception:
            # The store or the bus is away: a temporary failure keeps the message at the sending server,
            # which retries (a 5xx would make it bounce).
            log.exception("could not store a mailbox message")
            return "451 4.3.0 not stored, try again later"
        if done.decision.outcome is Outcome.rejected:
            metrics.WEBHOOKS.labels("email", "invalid").inc()
            return "550 5.6.0 no words left once quoted history and signature are removed"
        metrics.WEBHOOKS.labels("email", "accepted").inc()
        return f"250 OK logged as {done.decision.feedback_id}"


def listener(context: Context) -> Any:
    """The service's background task serving the mailbox until the service stops."""
    settings = context.mailbox

    async def feedback_mailbox(service: Service) -> None:
        handler = MailboxHandler(service, context)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(handler, data_size_limit=settings.max_message_bytes, hostname="terrain-feedback"),
            host=settings.host,
            port=settings.port,
        )
        log.info("feedback mailbox listening", extra={"address": settings.address, "port": settings.port})
        try:
            await server.serve_forever()
        finally:
            server.close()
            await server.wait_closed()

    return feedback_mailbox
