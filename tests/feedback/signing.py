"""How each vendor signs a delivery, written from its public docs: the tests' side of the handshake."""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from standardwebhooks.webhooks import Webhook

FIXTURES = Path(__file__).parent / "fixtures"
SECRETS = {
    "zendesk": ["zd-old-secret", "zd-new-secret"],
    "intercom": ["ic-client-secret"],
    "hubspot": ["hs-app-secret"],
    "salesforce": ["sf-shared-secret"],
    "standard": ["whsec_" + base64.b64encode(b"standard-webhooks-secret-0123456").decode()],
}
FIXTURE_FILES = {"zendesk": "zendesk_trigger.json", "intercom": "intercom.json", "hubspot": "hubspot.json",
                 "salesforce": "salesforce.json", "standard": "standard.json"}
BASE_URL = "http://service"


def fixture(vendor: str) -> dict:
    return json.loads((FIXTURES / FIXTURE_FILES[vendor]).read_text())


def sign(vendor: str, body: bytes, secret: str | None = None, *, age: float = 0.0,
         delivery_id: str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W") -> dict[str, str]:
    """Headers the vendor would send with ``body``, signed ``age`` seconds ago."""
    secret = secret or SECRETS[vendor][0]
    now = time.time() - age
    if vendor == "zendesk":
        stamp = datetime.fromtimestamp(int(now), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
        return {"X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
                "X-Zendesk-Webhook-Signature-Timestamp": stamp}
    if vendor == "intercom":
        return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}
    if vendor == "hubspot":
        stamp = str(int(now * 1000))
        message = f"POST{BASE_URL}/v1/webhooks/hubspot".encode() + body + stamp.encode()
        digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
        return {"X-HubSpot-Signature-v3": base64.b64encode(digest).decode(), "X-HubSpot-Request-Timestamp": stamp}
    if vendor == "salesforce":
        stamp = str(int(now))
        digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).digest()
        return {"X-Terrain-Signature": "v1=" + base64.b64encode(digest).decode(), "X-Terrain-Timestamp": stamp}
    if vendor == "standard":
        signed_at = datetime.fromtimestamp(now, tz=UTC)
        signature = Webhook(secret).sign(delivery_id, signed_at, body.decode())
        return {"webhook-id": delivery_id, "webhook-timestamp": str(int(now)), "webhook-signature": signature}
    raise ValueError(vendor)
