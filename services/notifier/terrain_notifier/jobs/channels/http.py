"""POSTing JSON to Slack incoming webhooks and generic webhooks, safe from SSRF.

The host is resolved here, every address it resolves to is checked against
the SSRF rule, and the request goes to the checked address (Host header and
TLS server name keep the original host), so DNS cannot change between the
check and the connection.
"""

import asyncio
import json
import socket
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from terrain_contracts.types import FieldError

from ...domain.signing import signature_headers
from ...domain.targets import Network, literal_address, networks, refusal, split_url
from . import SendError

RETRYABLE_STATUS = {408, 425, 429}


async def resolve(host: str, port: int) -> list[str]:
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SendError(f"cannot resolve {host}: {exc}", retryable=True) from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def checked_address(url: str, allow: Sequence[Network]) -> tuple[str, str, int]:
    """(scheme, checked address, port) for ``url``, or SendError if any address is refused."""
    try:
        scheme, host, port = split_url(url)
    except ValueError as exc:
        raise SendError(f"bad target URL: {exc}", retryable=False) from None
    addresses = await resolve(host, port)
    for address in addresses:
        reason = refusal(address, allow)
        if reason is not None:
            raise SendError(f"refused target {host}: {reason}", retryable=False)
    return scheme, addresses[0], port


class HttpSender:
    def __init__(self, client: httpx.AsyncClient, allow: Sequence[Network]) -> None:
        self._client = client
        self._allow = allow

    async def post_json(
        self,
        url: str,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
        secret: str | None = None,
        message_id: str | None = None,
    ) -> None:
        scheme, address, port = await checked_address(url, self._allow)
        parts = urlsplit(url)
        pinned_host = f"[{address}]" if ":" in address else address
        pinned = urlunsplit((scheme, f"{pinned_host}:{port}", parts.path or "/", parts.query, ""))
        body = json.dumps(payload, separators=(",", ":"), default=str).encode()
        sent_headers = {
            "content-type": "application/json",
            "host": parts.netloc.rsplit("@", 1)[-1],
            "user-agent": "terrain-notifier/1",
            **(headers or {}),
        }
        if secret is not None:
            sent_headers |= signature_headers(secret, message_id or "", int(time.time()), body)
        extensions = {"sni_hostname": parts.hostname} if scheme == "https" else {}
        try:
            response = await self._client.post(
                pinned, content=body, headers=sent_headers, extensions=extensions
            )
        except httpx.TimeoutException as exc:
            raise SendError(f"timed out: {type(exc).__name__}", retryable=True) from None
        except httpx.HTTPError as exc:
            raise SendError(f"connection failed: {type(exc).__name__}: {exc}", retryable=True) from None
        if response.is_success:
            return
        detail = f"HTTP {response.status_code}: {response.text[:200]}"
        retryable = response.status_code >= 500 or response.status_code in RETRYABLE_STATUS
        raise SendError(detail, retryable=retryable)


async def check_hosts(
    urls: Sequence[tuple[str, str]], allow_cidrs: Sequence[str]
) -> tuple[list[FieldError], list[str]]:
    """SSRF check of configured targets: (errors naming the field, warnings for hosts that do not resolve)."""
    allow = networks(allow_cidrs)
    errors: list[FieldError] = []
    warnings: list[str] = []
    for field, url in urls:
        try:
            await checked_address(url, allow)
        except SendError as exc:
            if exc.retryable:
                warnings.append(f"{field}: {exc.reason} (checked again before each send)")
            else:
                errors.append(FieldError(field=field, message=exc.reason[:2000]))
    return errors, warnings
