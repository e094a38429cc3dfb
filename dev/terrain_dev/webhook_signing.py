"""How each vendor signs a webhook delivery, written from its public docs: the sender's side.

Used by the feedback tests, the demo and the fault suite to send deliveries the way Zendesk,
Intercom, HubSpot, Salesforce (a Flow/Apex callout) and Standard Webhooks senders do.
"""

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook


def sign(
    vendor: str,
    body: bytes,
    secret: str,
    *,
    age: float = 0.0,
    base_url: str = "http://service",
    delivery_id: str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
) -> dict[str, str]:
    """Headers the vendor would send with ``body``, signed ``age`` seconds ago."""
    now = time.time() - age
    if vendor == "zendesk":
        stamp = datetime.fromtimestamp(int(now), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
        return {
            "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        }
    if vendor == "intercom":
        return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}
    if vendor == "hubspot":
        stamp = str(int(now * 1000))
        message = f"POST{base_url}/v1/webhooks/hubspot".encode() + body + stamp.encode()
        digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
        return {
            "X-HubSpot-Signature-v3": base64.b64encode(digest).decode(),
            "X-HubSpot-Request-Timestamp": stamp,
        }
    if vendor == "salesforce":
        stamp = str(int(now))
        digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).digest()
        return {
            "X-Terrain-Signature": "v1=" + base64.b64encode(digest).decode(),
            "X-Terrain-Timestamp": stamp,
        }
    if vendor == "standard":
        signed_at = datetime.fromtimestamp(now, tz=UTC)
        signature = Webhook(secret).sign(delivery_id, signed_at, body.decode())
        return {"webhook-id": delivery_id, "webhook-timestamp": str(int(now)), "webhook-signature": signature}
    raise ValueError(f"unknown vendor {vendor!r}")
