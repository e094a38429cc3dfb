"""Each vendor's signature scheme, checked on the raw bytes in constant time, any of two secrets.

- Zendesk: ``X-Zendesk-Webhook-Signature`` = base64(HMAC-SHA256(secret, timestamp + body)), timestamp in
  ``X-Zendesk-Webhook-Signature-Timestamp`` (ISO 8601).
- Intercom: ``X-Hub-Signature`` = ``sha1=`` + hex(HMAC-SHA1(client secret, body)); no timestamp is sent.
- HubSpot v3: ``X-HubSpot-Signature-v3`` = base64(HMAC-SHA256(secret, method + uri + body + timestamp)),
  ``X-HubSpot-Request-Timestamp`` in milliseconds, refused when older than the tolerance (5 minutes).
- Salesforce sends no HMAC of its own: the Flow/Apex callout that posts the record signs it like
  Terrain asks, ``X-Terrain-Signature`` = ``v1=`` + base64(HMAC-SHA256(secret, timestamp + "." + body))
  with ``X-Terrain-Timestamp`` in Unix seconds.
- Standard Webhooks: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature`` (``v1,<base64>``, several
  space-separated) over ``id.timestamp.body``, secrets ``whsec_<base64>``; verified by the reference
  ``standardwebhooks`` package. It reads text only: a body that is not UTF-8 is checked with the same
  scheme on its bytes, and when the signature holds the body is refused as such (400), not as forged.
- Slack (capture, not a vendor webhook): ``X-Slack-Signature`` = ``v0=`` + hex(HMAC-SHA256(signing secret,
  "v0:" + ``X-Slack-Request-Timestamp`` + ":" + body)), the timestamp in Unix seconds.

Unix timestamps are whole units in ASCII digits (at most 15); anything else in a timestamp header (huge,
negative, signed, fractional, exponent, NaN, infinity, other scripts' digits) is unauthorized, like a bad
signature: nothing a caller sends reaches an arithmetic error.
"""

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Unauthorized(Exception):
    """A bad or missing signature, or a timestamp outside the tolerance: HTTP 401."""


class BodyNotText(Exception):
    """A correctly signed delivery whose body is not UTF-8 (Standard Webhooks signs text): HTTP 400."""


@dataclass(frozen=True)
class SignedRequest:
    method: str
    url: str  # as the vendor called it (HubSpot signs it)
    headers: Mapping[str, str]  # lower-case names
    body: bytes


Verifier = Callable[[SignedRequest, list[str], float, int], None]


def _header(request: SignedRequest, name: str) -> str:
    value = request.headers.get(name.lower())
    if not value:
        raise Unauthorized(f"missing {name} header")
    return value


# Whole units since the epoch in ASCII digits only (str.isdigit() also takes "²" and other scripts' digits,
# which int() refuses or reads); 15 digits is past the year 30000 in milliseconds, and any float holds it.
_EPOCH_DIGITS = re.compile(r"[0-9]{1,15}")


def _epoch_seconds(request: SignedRequest, name: str, per_second: int = 1) -> float:
    """The header's Unix time in seconds; anything but whole units in ASCII digits is unauthorized."""
    value = _header(request, name)
    if _EPOCH_DIGITS.fullmatch(value) is None:
        unit = "milliseconds" if per_second == 1000 else "seconds"
        raise Unauthorized(f"{name} must be whole {unit} since the epoch")
    return int(value) / per_second


def _check_age(sent_at: float, now: float, tolerance: int) -> None:
    if not abs(now - sent_at) <= tolerance:  # NaN included
        raise Unauthorized("timestamp outside the accepted window (stale or replayed delivery)")


def _any_matches(presented: bytes, expected: list[bytes]) -> None:
    # Compare with every secret, always, so the time taken says nothing about which one matched.
    results = [hmac.compare_digest(presented, candidate) for candidate in expected]
    if not any(results):
        raise Unauthorized("signature does not match")


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Unauthorized("signature is not base64") from exc


def _hmac(secret: str, message: bytes, digest=hashlib.sha256) -> bytes:
    return hmac.new(secret.encode(), message, digest).digest()


def verify_zendesk(request: SignedRequest, secrets: list[str], now: float, tolerance: int) -> None:
    signature = _b64(_header(request, "X-Zendesk-Webhook-Signature"))
    timestamp = _header(request, "X-Zendesk-Webhook-Signature-Timestamp")
    try:
        sent = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        sent_at = (sent if sent.tzinfo else sent.replace(tzinfo=UTC)).timestamp()
    except (ValueError, OverflowError) as exc:
        raise Unauthorized("timestamp is not an ISO 8601 date-time") from exc
    _check_age(sent_at, now, tolerance)
    _any_matches(signature, [_hmac(s, timestamp.encode() + request.body) for s in secrets])


def verify_intercom(request: SignedRequest, secrets: list[str], now: float, tolerance: int) -> None:
    presented = _header(request, "X-Hub-Signature")
    if not presented.startswith("sha1="):
        raise Unauthorized("X-Hub-Signature must read sha1=<hex>")
    try:
        signature = bytes.fromhex(presented[5:])
    except ValueError as exc:
        raise Unauthorized("signature is not hexadecimal") from exc
    _any_matches(signature, [_hmac(s, request.body, hashlib.sha1) for s in secrets])


# HubSpot decodes these in the URI before signing (its request-validation guide).
_HUBSPOT_DECODED = ("%3A", "%2F", "%3F", "%40", "%21", "%24", "%27", "%28", "%29", "%2A", "%2C", "%3B")


def hubspot_uri(url: str) -> str:
    for encoded in _HUBSPOT_DECODED:
        url = url.replace(encoded, unquote(encoded)).replace(encoded.lower(), unquote(encoded))
    return url


def verify_hubspot(request: SignedRequest, secrets: list[str], now: float, tolerance: int) -> None:
    signature = _b64(_header(request, "X-HubSpot-Signature-v3"))
    _check_age(_epoch_seconds(request, "X-HubSpot-Request-Timestamp", 1000), now, tolerance)
    timestamp = _header(request, "X-HubSpot-Request-Timestamp")
    signed_uri = f"{request.method.upper()}{hubspot_uri(request.url)}".encode()
    message = signed_uri + request.body + timestamp.encode()
    _any_matches(signature, [_hmac(s, message) for s in secrets])


def verify_salesforce(request: SignedRequest, secrets: list[str], now: float, tolerance: int) -> None:
    presented = _header(request, "X-Terrain-Signature")
    if not presented.startswith("v1="):
        raise Unauthorized("X-Terrain-Signature must read v1=<base64>")
    signature = _b64(presented[3:])
    _check_age(_epoch_seconds(request, "X-Terrain-Timestamp"), now, tolerance)
    timestamp = _header(request, "X-Terrain-Timestamp")
    _any_matches(signature, [_hmac(s, timestamp.encode() + b"." + request.body) for s in secrets])


def verify_slack(request: SignedRequest, secrets: list[str], now: float, tolerance: int) -> None:
    presented = _header(request, "X-Slack-Signature")
    if not presented.startswith("v0="):
        raise Unauthorized("X-Slack-Signature must read v0=<hex>")
    try:
        signature = bytes.fromhex(presented[3:])
    except ValueError as exc:
        raise Unauthorized("signature is not hexadecimal") from exc
    _check_age(_epoch_seconds(request, "X-Slack-Request-Timestamp"), now, tolerance)
    timestamp = _header(request, "X-Slack-Request-Timestamp")
    message = b"v0:" + timestamp.encode() + b":" + request.body
    _any_matches(signature, [_hmac(s, message) for s in secrets])


STANDARD_WINDOW = 300  # the reference package's fixed window, seconds either side of now


def verify_standard(request: SignedRequest, secrets: list[str], now: float, tolerance: int) -> None:
    # The reference package checks a fixed 5-minute window against the wall clock; ours is the same.
    # Whole seconds only, as the spec writes them (the package would also read "1.7e9" or "nan" as a float).
    _epoch_seconds(request, "webhook-timestamp")
    try:
        request.body.decode()
    except UnicodeDecodeError:
        _verify_standard_bytes(request, secrets, now)
        raise BodyNotText("body is not UTF-8 text (Standard Webhooks payloads are JSON)") from None
    headers = {
        name: request.headers.get(name, "")
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    failures = []
    for secret in secrets:
        try:
            Webhook(secret).verify(request.body, headers, json_parse=False)
            return
        except (WebhookVerificationError, ValueError, binascii.Error) as exc:
            failures.append(str(exc) or type(exc).__name__)
    raise Unauthorized(failures[0] if failures else "no secret configured")


def _verify_standard_bytes(request: SignedRequest, secrets: list[str], now: float) -> None:
    """The same scheme on the raw bytes, for a body the package cannot read (it decodes before it checks):
    tells a bad body (400) from a bad signature (401)."""
    stamp = _header(request, "webhook-timestamp")
    _check_age(_epoch_seconds(request, "webhook-timestamp"), now, STANDARD_WINDOW)
    message = f"{_header(request, 'webhook-id')}.{stamp}.".encode() + request.body
    presented = [
        _b64(part[3:]) for part in _header(request, "webhook-signature").split(" ") if part.startswith("v1,")
    ]
    keys = [base64.b64decode(secret.removeprefix("whsec_") + "==") for secret in secrets]
    expected = [hmac.new(key, message, hashlib.sha256).digest() for key in keys]
    results = [hmac.compare_digest(p, e) for p in presented for e in expected]
    if not any(results):
        raise Unauthorized("No matching signature found")


VERIFIERS: dict[str, Verifier] = {
    "zendesk": verify_zendesk,
    "intercom": verify_intercom,
    "hubspot": verify_hubspot,
    "salesforce": verify_salesforce,
    "standard": verify_standard,
}
