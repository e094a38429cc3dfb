"""Feedback people log themselves: by the API, from Slack, by email. Pure: what becomes the submission.

The reporter is always who is authenticated (the identity, the signed Slack user, the mail sender),
never a field of what they sent.
"""

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from terrain_contracts import Role
from terrain_contracts.events.feedback import CustomerRef, Reporter, ReporterRole

API_SOURCE = "terrain"

_EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.)+[A-Za-z]{2,63}$")
_DOMAIN = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62})\.)+[A-Za-z]{2,63}$")

# What a person's API role says about them as a reporter.
_REPORTER_ROLES = {Role.sales: ReporterRole.sales_rep, Role.cs: ReporterRole.csm}


def is_email(value: str | None) -> bool:
    return bool(value) and _EMAIL.fullmatch(value or "") is not None


def reporter_of(name: str, member_id: str | None, role: Role | None = None) -> Reporter:
    """The reporter for a person: their member id (for reps, their work email), and it as email if one."""
    return Reporter(
        name=name,
        email=member_id if member_id and is_email(member_id) else None,
        role=_REPORTER_ROLES.get(role, ReporterRole.other) if role else ReporterRole.other,
        member_id=member_id,
    )


def customer_of(value: str | None) -> CustomerRef:
    """An email, an email domain or an account id, as a person types it; empty: unknown customer."""
    value = (value or "").strip()
    if not value:
        return CustomerRef()
    if is_email(value):
        return CustomerRef(email=value)
    if _DOMAIN.fullmatch(value):
        return CustomerRef(domain=value.lower())
    return CustomerRef(account_id=value)


def api_external_id(actor: str, client_key: str) -> str:
    """The same client key of the same person is the same item (its id derives from this)."""
    return f"{actor}/{client_key}"


# --- Slack ------------------------------------------------------------------------------------------------

_SLACK_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>")
_SLACK_BARE = re.compile(r"<(?:mailto:)?([^<>|]+)>")


def slack_text(text: str) -> str:
    """Slack's markup to plain text: ``<url|label>`` -> label, ``<mailto:x>`` -> x, entities decoded."""
    text = _SLACK_LINK.sub(lambda m: m.group(2), text)
    text = _SLACK_BARE.sub(lambda m: m.group(1).removeprefix("mailto:"), text)
    return html.unescape(text)


class NotCapturable(ValueError):
    """A Slack request that carries nothing to log (its ``field`` named)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SlackCapture:
    external_id: str
    user_id: str
    user_name: str
    text: str
    customer: CustomerRef
    response_url: str | None
    thread_ts: str | None  # where to answer (the captured message's thread)
    url: str | None = None


def slack_capture(form: dict[str, str], payload: dict[str, Any] | None) -> SlackCapture:
    """A message shortcut (``payload`` JSON, type ``message_action``) or a slash command (form fields).

    The slash command reads ``/feedback <customer>: <text>`` (customer: an email, a domain or an account
    id, optional)."""
    if payload is not None:
        return _shortcut(payload)
    text = form.get("text", "").strip()
    user = form.get("user_id", "")
    if not user:
        raise NotCapturable("user_id", "no Slack user")
    customer = CustomerRef()
    head, sep, rest = text.partition(":")
    if sep and " " not in head.strip() and head.strip() and "//" not in rest[:2]:
        customer, text = customer_of(head), rest.strip()
    if not text:
        raise NotCapturable("text", "nothing to log: /feedback <customer>: <what they said>")
    key = form.get("trigger_id") or hashlib.sha256(repr(sorted(form.items())).encode()).hexdigest()[:32]
    return SlackCapture(
        external_id=f"{form.get('team_id', '')}:command:{key}",
        user_id=user,
        user_name=form.get("user_name") or user,
        text=slack_text(text),
        customer=customer,
        response_url=form.get("response_url"),
        thread_ts=None,
    )


def _object(payload: dict[str, Any], name: str) -> dict[str, Any]:
    value = payload.get(name)
    return value if isinstance(value, dict) else {}


def _shortcut(payload: dict[str, Any]) -> SlackCapture:
    if payload.get("type") != "message_action":
        raise NotCapturable("payload.type", f"not a message shortcut: {str(payload.get('type'))[:50]}")
    message, user = _object(payload, "message"), _object(payload, "user")
    channel, team = _object(payload, "channel"), _object(payload, "team")
    text, ts = str(message.get("text") or "").strip(), str(message.get("ts") or "")
    if not text:
        raise NotCapturable("payload.message.text", "the message has no text")
    if not user.get("id"):
        raise NotCapturable("payload.user.id", "no Slack user")
    return SlackCapture(
        # One message is one item, whoever captures it and however often.
        external_id=f"{team.get('id', '')}:{channel.get('id', '')}:{ts}",
        user_id=str(user["id"]),
        user_name=str(user.get("name") or user.get("username") or user["id"]),
        text=slack_text(text),
        customer=CustomerRef(),
        response_url=payload.get("response_url"),
        thread_ts=str(message.get("thread_ts") or ts) or None,
    )


def slack_reporter(capture: SlackCapture, users: dict[str, str]) -> Reporter:
    """The Slack user; mapped to their member id (work email) when the settings know them."""
    member = users.get(capture.user_id)
    return reporter_of(member or capture.user_name, member)


# --- Email ------------------------------------------------------------------------------------------------

_QUOTE_HEADS = (
    re.compile(r"^On\b.*\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^Le\b.*\ba\s+écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*(Original Message|Forwarded message|Message d'origine|Message transféré)", re.I),
    re.compile(r"^_{10,}\s*$"),  # Outlook's rule above the quoted header block
)
_QUOTE_STARTS = (re.compile(r"^On\s", re.IGNORECASE), re.compile(r"^Le\s", re.IGNORECASE))
_QUOTE_ENDS = (re.compile(r"\bwrote:\s*$", re.I), re.compile(r"\ba\s+écrit\s*:\s*$", re.I))
_SIGN_OFFS = re.compile(r"^(Sent from my |Envoyé de mon |Get Outlook for )", re.IGNORECASE)


def strip_reply(body: str) -> str:
    """The new words of a message: quoted history ("On ... wrote:", "Le ... a écrit :", lines starting
    with ">", forwarded or original-message blocks) and the signature (from "-- ") cut off."""
    lines = body.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        bare = line.strip()
        if line.rstrip("\n") in ("-- ", "--") or _SIGN_OFFS.match(bare):
            break
        if any(p.match(bare) for p in _QUOTE_HEADS) or _wrapped_quote_head(lines, index):
            break
        if bare.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _wrapped_quote_head(lines: list[str], index: int) -> bool:
    """A mail client's quote header wrapped over two or three lines ("On Tue, ... <a@b.com>\\nwrote:")."""
    if not any(p.match(lines[index].strip()) for p in _QUOTE_STARTS):
        return False
    for end in (index + 2, index + 3):
        joined = " ".join(line.strip() for line in lines[index:end])
        if len(joined) < 400 and any(p.search(joined) for p in _QUOTE_ENDS):
            return True
    return False


@dataclass(frozen=True)
class MailCapture:
    external_id: str
    sender: str
    sender_name: str
    text: str
    customer: CustomerRef
    occurred_at: datetime | None


def mail_text(subject: str, body: str) -> str:
    """The subject (without Re:/Fwd:/TR:) then the new words of the body (once, if they start with it)."""
    subject = re.sub(r"^((re|fwd?|tr|aw)\s*:\s*)+", "", subject.strip(), flags=re.IGNORECASE)
    words = strip_reply(body)
    return f"{subject}\n\n{words}".strip() if subject and not words.startswith(subject) else words


def mail_customer(recipients: list[str], mailbox: str, staff_domains: list[str]) -> CustomerRef:
    """``feedback+acme.io@...`` (or ``+acc-123``, or ``+jane=acme.io`` for jane@acme.io) names the
    customer; else the first recipient outside the staff's domains."""
    local, _, domain = mailbox.lower().partition("@")
    staff = {d.lower() for d in staff_domains}
    for address in recipients:
        name, _, host = address.lower().partition("@")
        if host == domain and name.startswith(local + "+"):
            tag = address.partition("@")[0].split("+", 1)[1]
            return customer_of(tag.replace("=", "@", 1) if "=" in tag else tag)
    for address in recipients:
        host = address.lower().partition("@")[2]
        if address.lower() != mailbox.lower() and host != domain and host not in staff and is_email(address):
            return CustomerRef(email=address)
    return CustomerRef()
