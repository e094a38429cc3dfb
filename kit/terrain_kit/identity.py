"""One identity across the services: tokens an issuer signs and every service verifies.

A person signs in once (the console, or ``./terrain token`` for scripts) and the same token works on every
service. A token is a JWT signed with Ed25519 (EdDSA): the services hold only the issuer's public key, so a
compromised service can verify identities but never mint one. API keys stay, per service, for integrations.

Claims: ``sub`` (the member id, or the name of what acts), ``name``, ``role``, ``sources`` (optional: the
feedback sources an integration is limited to), ``aud`` = "terrain", ``iss``, ``iat``, ``exp``, ``jti``.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from terrain_contracts import Role
from terrain_contracts.types import utcnow

AUDIENCE = "terrain"
ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class Identity:
    subject: str
    name: str
    role: Role
    member_id: str | None
    sources: frozenset[str] | None
    token_id: str


class Issuer:
    """Signs identity tokens with a private key (kept by whoever signs people in, never by a service)."""

    def __init__(self, private_key: Ed25519PrivateKey, name: str = "terrain") -> None:
        self._key = private_key
        self.name = name

    @classmethod
    def generate(cls, name: str = "terrain") -> "Issuer":
        return cls(Ed25519PrivateKey.generate(), name)

    @classmethod
    def from_pem(cls, pem: str, name: str = "terrain") -> "Issuer":
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("an Ed25519 private key is expected")
        return cls(key, name)

    def private_pem(self) -> str:
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def public_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def issue(
        self,
        *,
        subject: str,
        name: str,
        role: Role,
        member_id: str | None = None,
        sources: list[str] | None = None,
        lifetime: timedelta = timedelta(hours=12),
        now: datetime | None = None,
    ) -> str:
        issued = now or utcnow()
        claims: dict[str, object] = {
            "sub": subject,
            "name": name,
            "role": role.value,
            "member_id": member_id,
            "aud": AUDIENCE,
            "iss": self.name,
            "iat": issued,
            "exp": issued + lifetime,
            "jti": secrets.token_hex(8),
        }
        if sources is not None:
            claims["sources"] = sorted(sources)
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)


class Verifier:
    """Checks tokens against the public keys of the trusted issuers; anything else is refused."""

    def __init__(self, public_pems: list[str], leeway_seconds: float = 30.0) -> None:
        self._keys: list[Ed25519PublicKey] = []
        for pem in public_pems:
            key = serialization.load_pem_public_key(pem.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("identity keys must be Ed25519 public keys (PEM)")
            self._keys.append(key)
        self._leeway = leeway_seconds

    def verify(self, token: str) -> Identity | None:
        for key in self._keys:
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=[ALGORITHM],
                    audience=AUDIENCE,
                    leeway=self._leeway,
                    options={"require": ["sub", "exp", "iat", "aud", "role", "jti"]},
                )
            except jwt.InvalidTokenError:
                continue
            return _identity(claims)
        return None


def _identity(claims: dict) -> Identity | None:
    try:
        role = Role(claims["role"])
    except ValueError:
        return None
    sources = claims.get("sources")
    return Identity(
        subject=str(claims["sub"]),
        name=str(claims.get("name") or claims["sub"]),
        role=role,
        member_id=claims.get("member_id"),
        token_id=str(claims["jti"]),
        sources=frozenset(map(str, sources)) if isinstance(sources, list) else None,
    )
