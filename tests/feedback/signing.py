"""How each vendor signs a delivery, written from its public docs: the tests' side of the handshake."""

import base64
import json
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
