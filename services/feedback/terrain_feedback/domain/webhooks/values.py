"""Reading vendor JSON tolerantly: nested keys, text parts, ids, tags, times, HTML. Pure.

Each helper returns what it could make of the value, or the value itself for the contract to refuse
and name: a webhook is never refused here.
"""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any


def dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def text_of(*parts: Any) -> str | None:
    """Join the string parts (subject, body); None when there is none, so the contract names the field."""
    found = [p.strip() for p in parts if isinstance(p, str) and p.strip()]
    return "\n\n".join(dict.fromkeys(found)) or None


def as_id(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def slugs(value: Any) -> list[str]:
    """Vendor tags as slugs: a list or a space/comma separated string ('{{ticket.tags}}' renders so)."""
    items = re.split(r"[\s,]+", value) if isinstance(value, str) else value if isinstance(value, list) else []
    found = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str):
            slug = re.sub(r"[^a-z0-9_\-]+", "-", name.strip().lower()).strip("-_")[:64]
            if slug:
                found.append(slug)
    return list(dict.fromkeys(found))[:50]


def when(value: Any) -> Any:
    """ISO 8601, Salesforce's '...000+0000', or epoch seconds/milliseconds, as an aware datetime."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return value  # the contract reports it
    if isinstance(value, str):
        for parse in (
            lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
            lambda v: datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%f%z"),
        ):
            try:
                return parse(value)
            except ValueError:
                continue
    return value


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("br", "p", "div", "li"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    parser = _Text()
    try:
        parser.feed(value)
        parser.close()
    except Exception:  # markup too broken to parse: keep the raw text rather than refuse the feedback
        return value
    return "".join(parser.parts).strip()


def person(name: Any, email: Any, fallback: str) -> tuple[Any, Any]:
    return (
        name
        if isinstance(name, str) and name.strip()
        else email
        if isinstance(email, str) and email
        else fallback
    ), email or None
