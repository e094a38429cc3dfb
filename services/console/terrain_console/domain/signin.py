"""Signing in: who may try again, what a session is, what the people's roles are."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from terrain_contracts import Role

ROLES = tuple(Role)


def normal_email(email: str) -> str:
    return email.strip().lower()


def account_key(email: str) -> str:
    return f"account:{normal_email(email)}"


def client_key(address: str) -> str:
    return f"client:{address}"


def throttled(
    account_failures: int, client_failures: int, limits: tuple[int, int], window_minutes: int
) -> str | None:
    """Why a sign-in is refused before its password is even checked (None: it may be tried).
    ``limits``: (failures per account, failures per client address)."""
    if account_failures >= limits[0]:
        return (
            f"Too many failed sign-ins for this account: {account_failures} in the last {window_minutes} "
            f"minutes. Wait {window_minutes} minutes, or ask an admin to reset your password."
        )
    if client_failures >= limits[1]:
        return (
            f"Too many failed sign-ins from your address: {client_failures} in the last {window_minutes} "
            f"minutes. Wait {window_minutes} minutes before trying again."
        )
    return None


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """Sessions are stored by the SHA-256 of their cookie: a copy of the database opens no session."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same(presented: str | None, expected: str | None) -> bool:
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())


@dataclass(frozen=True)
class Person:
    """Who is signed in: what the tokens the console signs for the services say."""

    user_id: str
    email: str
    name: str
    role: Role
    member_id: str | None


@dataclass(frozen=True)
class Session:
    person: Person
    csrf: str
    expires_at: datetime


def expiry(now: datetime, hours: float) -> datetime:
    return now + timedelta(hours=hours)
