"""Every vendor's timestamp, whatever it holds, is read or refused as unauthorized: never a server error
(and the same for the declared body length).

Issue 19.3: a 400-digit ``X-Terrain-Timestamp`` raised OverflowError in the age check (an unauthenticated
500). Each odd timestamp is tried with a made-up signature and with a signature that really covers it
(so the timestamp is reached whichever check comes first).
"""

import base64
import hashlib
import hmac
import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request
from terrain_dev.fuzzing import budget
from terrain_feedback.domain.webhooks.signatures import VERIFIERS, SignedRequest, Unauthorized
from terrain_feedback.http.webhooks import Refused, read_capped

from .signing import BASE_URL, SECRETS, fixture

pytestmark = pytest.mark.unit

STAMP_HEADER = {
    "zendesk": "X-Zendesk-Webhook-Signature-Timestamp",
    "hubspot": "X-HubSpot-Request-Timestamp",
    "salesforce": "X-Terrain-Timestamp",
    "standard": "webhook-timestamp",
}
ODD_STAMPS = [
    "9" * 400,  # the probe
    "9" * 5000,  # past int()'s digit limit
    "-1700000000",
    "0",
    "1700000000.5",
    "1.7e9",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e400",
    "²",  # a digit to str.isdigit(), not to int()
    "١٧٠٠٠٠٠٠٠٠",  # Arabic-Indic digits: int() reads them
    " 1700000000",
    "1700000000\n",
    "1_700_000_000",
    "0x6553F100",
    "",
    "not a time",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00",
    "+275760-09-13T00:00:00Z",
    "2026-13-45T99:99:99Z",
]


def signed_with(vendor: str, body: bytes, stamp: str, secret: str) -> dict[str, str]:
    """The vendor's headers with ``stamp`` as sent, signed over exactly that text."""
    if vendor == "zendesk":
        digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
        return {"x-zendesk-webhook-signature": base64.b64encode(digest).decode()}
    if vendor == "hubspot":
        message = f"POST{BASE_URL}/v1/webhooks/hubspot".encode() + body + stamp.encode()
        digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
        return {"x-hubspot-signature-v3": base64.b64encode(digest).decode()}
    if vendor == "salesforce":
        digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).digest()
        return {"x-terrain-signature": "v1=" + base64.b64encode(digest).decode()}
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, b"msg_1." + stamp.encode() + b"." + body, hashlib.sha256).digest()
    return {"webhook-id": "msg_1", "webhook-signature": "v1," + base64.b64encode(digest).decode()}


MADE_UP = {
    "zendesk": {"x-zendesk-webhook-signature": "AAAA"},
    "hubspot": {"x-hubspot-signature-v3": "AAAA"},
    "salesforce": {"x-terrain-signature": "v1=AAAA"},
    "standard": {"webhook-id": "msg_1", "webhook-signature": "v1,AAAA"},
}


def verify(vendor: str, stamp: str, signature: dict[str, str]) -> None:
    body = json.dumps(fixture(vendor)).encode()
    headers = {**signature, STAMP_HEADER[vendor].lower(): stamp}
    request = SignedRequest("POST", f"{BASE_URL}/v1/webhooks/{vendor}", headers, body)
    VERIFIERS[vendor](request, SECRETS[vendor], time.time(), 300)


@pytest.mark.parametrize("stamp", ODD_STAMPS, ids=lambda s: s[:24])
@pytest.mark.parametrize("vendor", list(STAMP_HEADER))
def test_an_odd_timestamp_with_a_made_up_signature_is_unauthorized(vendor, stamp):
    with pytest.raises(Unauthorized):
        verify(vendor, stamp, MADE_UP[vendor])


@pytest.mark.parametrize("stamp", ODD_STAMPS, ids=lambda s: s[:24])
@pytest.mark.parametrize("vendor", list(STAMP_HEADER))
def test_an_odd_timestamp_signed_with_the_right_secret_is_still_unauthorized(vendor, stamp):
    body = json.dumps(fixture(vendor)).encode()

    with pytest.raises(Unauthorized):
        verify(vendor, stamp, signed_with(vendor, body, stamp, SECRETS[vendor][0]))


@pytest.mark.parametrize("vendor", list(STAMP_HEADER))
def test_a_current_timestamp_signed_by_hand_is_accepted(vendor):
    # The hand signing above is the vendors' scheme: a fresh stamp passes, so the refusals are the stamps'.
    body = json.dumps(fixture(vendor)).encode()
    now = time.time()
    stamp = {
        "zendesk": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "hubspot": str(int(now * 1000)),
    }.get(vendor, str(int(now)))

    verify(vendor, stamp, signed_with(vendor, body, stamp, SECRETS[vendor][0]))


@pytest.mark.parametrize("vendor", list(STAMP_HEADER))
@budget(200)
@given(stamp=st.text(max_size=40) | st.integers().map(str) | st.floats().map(str))
def test_any_timestamp_text_is_read_or_unauthorized(vendor, stamp):
    body = json.dumps(fixture(vendor)).encode()

    for signature in (MADE_UP[vendor], signed_with(vendor, body, stamp, SECRETS[vendor][0])):
        try:
            verify(vendor, stamp, signature)
        except Unauthorized:
            pass


def delivery(content_length: bytes, body: bytes) -> Request:
    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-length", content_length)]}
    return Request(scope, receive)


async def test_a_declared_length_no_int_can_hold_is_refused_as_too_large():
    with pytest.raises(Refused) as refused:
        await read_capped(delivery(b"9" * 5000, b"{}"), 1024)  # int() refuses past 4,300 digits

    assert refused.value.status == 413


async def test_a_declared_length_that_is_not_ascii_digits_is_left_to_the_body_read():
    assert await read_capped(delivery("²".encode("latin-1"), b"{}"), 1024) == b"{}"
