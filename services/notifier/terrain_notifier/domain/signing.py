"""Standard Webhooks signatures (https://www.standardwebhooks.com): what a receiver verifies.

webhook-id:        the notification id (the same on every retry, so receivers de-duplicate)
webhook-timestamp: seconds since the epoch
webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" keyed by the secret's bytes>
"""

import base64
import hashlib
import hmac

from .targets import SECRET_PREFIX


def signature_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{digest}",
    }
