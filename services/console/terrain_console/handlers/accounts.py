"""Signing in and out: argon2 passwords, throttled failures, server-side sessions; seeding people."""

import asyncio
import json
import logging
from dataclasses import dataclass

from argon2.exceptions import InvalidHashError, VerificationError
from terrain_contracts import Role

from .. import metrics
from ..domain import signin
from ..store import users
from .context import Context

log = logging.getLogger(__name__)


class SignInRefused(Exception):
    """Wrong email or password (said the same way for both), or too many failures (``throttled``)."""

    def __init__(self, message: str, throttled: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.throttled = throttled


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    csrf: str


async def _password_matches(context: Context, stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:  # argon2 is slow on purpose: off the event loop
        return await asyncio.to_thread(context.hasher.verify, stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def sign_in(context: Context, email: str, password: str, client: str) -> SignedIn:
    limits = context.settings.sign_in
    since = users.window_start(context.now(), limits.window_minutes)
    keys = [signin.account_key(email), signin.client_key(client)]
    account, client_failures = [await users.failures_since(context.db, key, since) for key in keys]
    refusal = signin.throttled(
        account, client_failures, (limits.max_failures, limits.max_client_failures), limits.window_minutes
    )
    if refusal is not None:
        metrics.SIGN_INS.labels("throttled").inc()
        raise SignInRefused(refusal, throttled=True)
    user = await users.by_email(context.db, signin.normal_email(email))
    if user is None or not await _password_matches(context, user.get("password_hash"), password):
        await users.record_failure(context.db, keys, context.now())
        metrics.SIGN_INS.labels("refused").inc()
        raise SignInRefused("Wrong email or password.")
    await users.forget_failures(context.db, keys[0])
    cookie, csrf = signin.new_secret(), signin.new_secret()
    expires = signin.expiry(context.now(), limits.session_hours)
    await users.create_session(context.db, signin.digest(cookie), user["_id"], csrf, expires)
    metrics.SIGN_INS.labels("signed_in").inc()
    return SignedIn(cookie, csrf)


async def session_of(context: Context, cookie: str | None) -> signin.Session | None:
    if not cookie:
        return None
    record = await users.session(context.db, signin.digest(cookie), context.now())
    if record is None:
        return None
    user = await users.by_id(context.db, record["user_id"])
    if user is None:
        return None
    person = signin.Person(
        user_id=user["_id"],
        email=user["email"],
        name=user["name"],
        role=Role(user["role"]),
        member_id=user.get("member_id"),
    )
    return signin.Session(person, record["csrf"], record["expires_at"])


async def sign_out(context: Context, cookie: str | None) -> None:
    if cookie:
        await users.end_session(context.db, signin.digest(cookie))


async def ensure_person(
    context: Context, email: str, name: str, role: Role, member_id: str | None, password: str
) -> None:
    """Create or update a person; the password is re-hashed only when it changed (idempotent, cheap)."""
    email = signin.normal_email(email)
    current = await users.by_email(context.db, email)
    keep = current is not None and await _password_matches(context, current.get("password_hash"), password)
    password_hash = (
        current["password_hash"]
        if keep and current
        else await asyncio.to_thread(context.hasher.hash, password)
    )
    await users.upsert(
        context.db,
        {
            "_id": current["_id"] if current else f"u-{signin.new_secret()[:12]}",
            "email": email,
            "name": name,
            "role": role.value,
            "member_id": member_id,
            "password_hash": password_hash,
        },
    )


async def seed(context: Context) -> None:
    """The people of ``seed_users_file`` (the local stack's demo sign-ins), created or updated at start-up."""
    path = context.settings.seed_users_file
    if path is None:
        return
    people = json.loads(path.read_text())
    for person in people:
        await ensure_person(
            context,
            person["email"],
            person["name"],
            Role(person["role"]),
            person.get("member_id"),
            person["password"],
        )
    log.info("people seeded", extra={"count": len(people)})
