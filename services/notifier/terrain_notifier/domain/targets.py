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
# What a read shows for a secret; sent back in a write, it keeps the stored secret it stands for.
SECRET_MASK = "whsec_***"


def networks(cidrs: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]


NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address in the last 32 bits
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: local use, never global
COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated IPv4-compatible ::a.b.c.d


def embedded(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: mapped, compatible, NAT64, 6to4, Teredo (both).

    ``::1`` and ``::`` are loopback and unspecified themselves, not compatible forms."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if ip in NAT64 or (ip in COMPATIBLE and not (ip.is_loopback or ip.is_unspecified)):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def refusal(address: str, allow: Sequence[Network]) -> str | None:
    """Why a target at ``address`` is refused, or None when it may be called.

    An IPv6 address that carries an IPv4 one (``::ffff:10.0.0.1``, ``::10.0.0.1``, NAT64 ``64:ff9b::a00:1``,
    6to4 ``2002:a00:1::``, Teredo) is refused when that IPv4 address would be: the network may deliver
    it there. The local-use NAT64 prefix 64:ff9b:1::/48 is refused as a whole."""
    ip: Address = ipaddress.ip_address(address.split("%", 1)[0])
    if _allowed(ip, allow):
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in LOCAL_NAT64:
            return f"{ip} is a local-use NAT64 address (not allow-listed)"
        if ip.ipv4_mapped is not None:
            return refusal(str(ip.ipv4_mapped), allow)  # ::ffff:a.b.c.d is a.b.c.d
        for inner in embedded(ip):
            if (reason := refusal(str(inner), allow)) is not None:
                return f"{ip} carries {inner}: {reason}"
    if ip.is_global and not ip.is_multicast:
        return None
    return f"{ip} is a {_kind(ip)} address (not allow-listed)"


def _allowed(ip: Address, allow: Sequence[Network]) -> bool:
    return any(ip.version == network.version and ip in network for network in allow)


def _kind(ip: Address) -> str:
    flags = (
        ("loopback", ip.is_loopback),
        ("private", ip.is_private),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
    )
    return next((name for name, flag in flags if flag), "non-global")


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
