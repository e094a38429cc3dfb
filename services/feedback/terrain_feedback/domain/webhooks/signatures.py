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
  ``standardwebhooks`` package.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Unauthorized(Exception):
    """A bad or missing signature, or a timestamp outside the tolerance: HTTP 401."""


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


def _check_age(sent_at: float, now: float, tolerance: int) -> None:
    if abs(now - sent_at) > tolerance:
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
        sent_at = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise Unauthorized("timestamp is not ISO 8601") from exc
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
    timestamp = _header(request, "X-HubSpot-Request-Timestamp")
    if not timestamp.isdigit():
        raise Unauthorized("X-HubSpot-Request-Timestamp must be milliseconds since the epoch")
    _check_age(int(timestamp) / 1000, now, tolerance)
    signed_uri = f"{request.method.upper()}{hubspot_uri(request.url)}".encode()
    message = signed_uri + request.body + timestamp.encode()
    _any_matches(signature, [_hmac(s, message) for s in secrets])


def verify_salesforce(request: SignedRequest, secrets: list[str], now: float, tolerance: int) -> None:
    presented = _header(request, "X-Terrain-Signature")
    if not presented.startswith("v1="):
        raise Unauthorized("X-Terrain-Signature must read v1=<base64>")
    signature = _b64(presented[3:])
    timestamp = _header(request, "X-Terrain-Timestamp")
    if not timestamp.isdigit():
        raise Unauthorized("X-Terrain-Timestamp must be seconds since the epoch")
    _check_age(int(timestamp), now, tolerance)
    _any_matches(signature, [_hmac(s, timestamp.encode() + b"." + request.body) for s in secrets])


def verify_standard(request: SignedRequest, secrets: list[str], now: float, tolerance: int) -> None:
    # The reference package checks a fixed 5-minute window against the wall clock; ours is the same.
    headers = {
        name: request.headers.get(name, "")
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    failures = []
    for secret in secrets:
        try:
            Webhook(secret).verify(request.body, headers, json_parse=False)
            return
        except (WebhookVerificationError, ValueError, binascii.Error, UnicodeDecodeError) as exc:
            failures.append(str(exc) or type(exc).__name__)
    raise Unauthorized(failures[0] if failures else "no secret configured")


VERIFIERS: dict[str, Verifier] = {
    "zendesk": verify_zendesk,
    "intercom": verify_intercom,
    "hubspot": verify_hubspot,
    "salesforce": verify_salesforce,
    "standard": verify_standard,
}
