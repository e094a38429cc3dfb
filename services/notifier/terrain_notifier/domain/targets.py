"""Outside targets (Slack and webhook URLs, webhook secrets) and the SSRF rule for them.

A target whose address is private, loopback, link-local, reserved or in any
other non-global range is refused unless an allow-listed network contains
it. The check runs when a target is configured and again before each send,
on the addresses the host resolves to at that moment (DNS can change).
"""

import base64
import binascii
import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

SECRET_PREFIX = "whsec_"


def networks(cidrs: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]


def refusal(address: str, allow: Sequence[Network]) -> str | None:
    """Why a target at ``address`` is refused, or None when it may be called."""
    ip: Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    if any(ip in network for network in allow):
        return None
    if ip.is_global and not ip.is_multicast:
        return None
    kind = next(
        (
            name
            for name, flag in (
                ("loopback", ip.is_loopback),
                ("private", ip.is_private),
                ("link-local", ip.is_link_local),
                ("multicast", ip.is_multicast),
                ("unspecified", ip.is_unspecified),
                ("reserved", ip.is_reserved),
            )
            if flag
        ),
        "non-global",
    )
    return f"{ip} is a {kind} address (not allow-listed)"


def split_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL; ValueError with a readable reason otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("has no host")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValueError(f"has an invalid port ({exc})") from None
    return parts.scheme, parts.hostname, port


def literal_address(host: str) -> str | None:
    """The host itself when it is an IP literal (or localhost), else None (it needs DNS)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def check_secret(secret: str) -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of at least 24 random bytes."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"must start with {SECRET_PREFIX}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"must be {SECRET_PREFIX} followed by base64") from None
    if len(key) < 24:
        raise ValueError("must hold at least 24 bytes of key")
    return secret
