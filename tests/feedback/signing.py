"""How each vendor signs a delivery, written from its public docs: the tests' side of the handshake."""

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

from terrain_dev.webhook_signing import sign as vendor_sign

FIXTURES = Path(__file__).parent / "fixtures"
SECRETS = {
    "zendesk": ["zd-old-secret", "zd-new-secret"],
    "intercom": ["ic-client-secret"],
    "hubspot": ["hs-app-secret"],
    "salesforce": ["sf-shared-secret"],
    "standard": ["whsec_" + base64.b64encode(b"standard-webhooks-secret-0123456").decode()],
}
FIXTURE_FILES = {
    "zendesk": "zendesk_trigger.json",
    "intercom": "intercom.json",
    "hubspot": "hubspot.json",
    "salesforce": "salesforce.json",
    "standard": "standard.json",
}
BASE_URL = "http://service"


def fixture(vendor: str) -> dict:
    return json.loads((FIXTURES / FIXTURE_FILES[vendor]).read_text())


def sign(
    vendor: str,
    body: bytes,
    secret: str | None = None,
    *,
    age: float = 0.0,
    delivery_id: str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
) -> dict[str, str]:
    """Headers the vendor would send with ``body``, signed ``age`` seconds ago."""
    return vendor_sign(
        vendor, body, secret or SECRETS[vendor][0], age=age, base_url=BASE_URL, delivery_id=delivery_id
    )


SLACK_SECRET = "slack-signing-secret"


def slack_headers(body: bytes, secret: str = SLACK_SECRET, *, age: float = 0.0) -> dict[str, str]:
    """Slack's v0 request signature, as its signing-secret guide writes it, made ``age`` seconds ago."""
    stamp = str(int(time.time() - age))
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Signature": f"v0={digest}",
        "X-Slack-Request-Timestamp": stamp,
        "Content-Type": "application/x-www-form-urlencoded",
    }
