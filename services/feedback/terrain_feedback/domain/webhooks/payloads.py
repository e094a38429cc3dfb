"""Vendor payloads -> the ``feedback.submitted`` contract. Pure; tolerant of any JSON shape.

A mapper returns the contract's fields as a dict (validated by the caller, errors
reported under the vendor's own field names through ``ORIGINS``), or ``None``
for a delivery that carries no feedback (a ping, a topic we do not take).
"""

from collections.abc import Callable
from typing import Any

from terrain_contracts.events.feedback import FeedbackKind, ReporterRole

from .values import as_id, dig, html_text, person, slugs, text_of, when

Mapped = dict[str, Any] | None
Mapper = Callable[[Any, str | None], Mapped]


# -- Zendesk: a trigger's JSON body (see README for the template), or a ticket event ------------------


def zendesk(payload: Any, source: str | None) -> Mapped:
    if isinstance(payload, dict) and str(payload.get("type", "")).startswith("zen:event-type:"):
        if payload["type"] != "zen:event-type:ticket.created":
            return None
        detail = payload.get("detail")
        requester = as_id(dig(detail, "requester_id"))
        ticket = {
            "id": dig(detail, "id"),
            "subject": dig(detail, "subject"),
            "description": dig(detail, "description"),
            "created_at": dig(detail, "created_at"),
            "tags": dig(detail, "tags"),
            "requester": {"name": f"Zendesk user {requester}"},
        }
    else:
        ticket = dig(payload, "ticket")
    requester = dig(ticket, "requester")
    name, email = person(dig(requester, "name"), dig(requester, "email"), "Zendesk requester")
    organization = dig(ticket, "organization")
    return {
        "source": source,
        "external_id": as_id(dig(ticket, "id")),
        "kind": FeedbackKind.customer,
        "reporter": {"name": name, "email": email, "role": ReporterRole.customer},
        "customer": {
            "account_id": as_id(dig(organization, "external_id")) or None,
            "name": dig(organization, "name") or None,
            "email": email,
        },
        "text": text_of(dig(ticket, "subject"), dig(ticket, "description")),
        "tags": slugs(dig(ticket, "tags")),
        "occurred_at": when(dig(ticket, "created_at")),
        "url": dig(ticket, "url") or None,
    }


# -- Intercom: notification_event for conversation.user.created ------------------------------------

_INTERCOM_TOPICS = {"conversation.user.created"}
_INTERCOM_CUSTOMERS = {"user", "lead", "contact"}


def intercom(payload: Any, source: str | None) -> Mapped:
    topic = dig(payload, "topic")
    if not isinstance(topic, str) or topic not in _INTERCOM_TOPICS:
        return None  # ping and topics that are not a customer's new conversation
    item = dig(payload, "data.item")
    author = dig(item, "source.author")
    author_type = dig(author, "type")
    customer = isinstance(author_type, str) and author_type in _INTERCOM_CUSTOMERS
    name, email = person(dig(author, "name"), dig(author, "email"), "Intercom user")
    return {
        "source": source,
        "external_id": as_id(dig(item, "id")),
        "kind": FeedbackKind.customer,
        "reporter": {
            "name": name,
            "email": email,
            "role": ReporterRole.customer if customer else ReporterRole.support_agent,
        },
        "customer": {"email": email if customer else None},
        "text": text_of(html_text(dig(item, "source.subject")), html_text(dig(item, "source.body"))),
        "tags": slugs(dig(item, "tags.tags")),
        "occurred_at": when(dig(item, "created_at")),
        "url": dig(item, "source.url") or None,
    }


# -- HubSpot: a workflow's "Send a webhook" action on a ticket (record id and properties) ----------


def _property(properties: Any, name: str) -> Any:
    value = dig(properties, name)
    return value.get("value") if isinstance(value, dict) else value  # legacy bodies wrap values


def hubspot(payload: Any, source: str | None) -> Mapped:
    properties = dig(payload, "properties")
    first, last = _property(properties, "firstname"), _property(properties, "lastname")
    full = " ".join(p for p in (first, last) if isinstance(p, str) and p) or None
    name, email = person(full, _property(properties, "email"), "HubSpot contact")
    return {
        "source": source,
        "external_id": as_id(dig(payload, "objectId")),
        "kind": FeedbackKind.customer,
        "reporter": {"name": name, "email": email, "role": ReporterRole.customer},
        "customer": {
            "email": email,
            "name": _property(properties, "company") or None,
            "domain": _property(properties, "hs_email_domain") or None,
        },
        "text": text_of(_property(properties, "subject"), _property(properties, "content")),
        "occurred_at": when(_property(properties, "createdate")),
    }


# -- Salesforce: a Flow/Apex callout posting the record as JSON.serialize() renders it -------------


def salesforce(payload: Any, source: str | None) -> Mapped:
    record_type = dig(payload, "attributes.type")
    case = record_type == "Case"
    if case:  # the customer's words; the contact is the reporter
        name, email = person(
            dig(payload, "Contact.Name") or dig(payload, "SuppliedName"),
            dig(payload, "Contact.Email") or dig(payload, "SuppliedEmail"),
            "Salesforce contact",
        )
        reporter = {"name": name, "email": email, "role": ReporterRole.customer}
    else:  # a record a rep logged on the customer's behalf
        name, email = person(
            dig(payload, "CreatedBy.Name"), dig(payload, "CreatedBy.Email"), "Salesforce user"
        )
        reporter = {"name": name, "email": email, "role": ReporterRole.sales_rep}
    return {
        "source": source,
        "external_id": dig(payload, "Id"),
        "kind": FeedbackKind.customer if case else FeedbackKind.field,
        "reporter": reporter,
        "customer": {
            "account_id": dig(payload, "AccountId") or None,
            "name": dig(payload, "Account.Name") or None,
            "email": reporter["email"] if case else None,
        },
        "text": text_of(dig(payload, "Subject"), dig(payload, "Description")),
        "occurred_at": when(dig(payload, "CreatedDate")),
    }


# -- Standard Webhooks: {"type": "feedback.submitted", "timestamp": ..., "data": <the contract>} ----


class WrongType(Exception):
    pass


def standard(payload: Any, source: str | None) -> Mapped:
    """The contract as the producer wrote it; a source configured for the endpoint overrides its own,
    so one secret can only ever write one source's items."""
    if dig(payload, "type") != "feedback.submitted":
        raise WrongType("type must be feedback.submitted")
    data = dig(payload, "data")
    if not isinstance(data, dict):
        return {"data": data}
    return {**data, "source": source} if source else data


MAPPERS: dict[str, Mapper] = {
    "zendesk": zendesk,
    "intercom": intercom,
    "hubspot": hubspot,
    "salesforce": salesforce,
    "standard": standard,
}

# Where each contract field comes from in the vendor's payload, to name it in errors.
ORIGINS: dict[str, dict[str, str]] = {
    "zendesk": {
        "external_id": "ticket.id",
        "text": "ticket.description",
        "reporter": "ticket.requester",
        "customer": "ticket.organization",
        "occurred_at": "ticket.created_at",
        "url": "ticket.url",
    },
    "intercom": {
        "external_id": "data.item.id",
        "text": "data.item.source.body",
        "reporter": "data.item.source.author",
        "customer": "data.item.source.author",
        "occurred_at": "data.item.created_at",
        "url": "data.item.source.url",
    },
    "hubspot": {
        "external_id": "objectId",
        "text": "properties.content",
        "reporter": "properties.email",
        "customer": "properties",
        "occurred_at": "properties.createdate",
    },
    "salesforce": {
        "external_id": "Id",
        "text": "Description",
        "reporter": "Contact",
        "customer": "Account",
        "occurred_at": "CreatedDate",
    },
    "standard": {},
}
