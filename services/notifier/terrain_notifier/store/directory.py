"""Projections (teams, reporters) and configuration (rules, preferences, subscriptions)."""

from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError
from terrain_contracts.events.team import TeamState
from terrain_kit.uow import UnitOfWork

from ..domain.members import Preferences, Subscription
from ..domain.routing import Directory
from ..domain.rules import Rules
from . import PREFERENCES, REPORTERS, RULES, SUBSCRIPTIONS, TEAMS

# Stored targets were checked when saved; the SSRF rule runs again on every send, after DNS.
STORED = {"ssrf_allow": ["0.0.0.0/0", "::/0"]}

# -- teams ---------------------------------------------------------------------------------------


async def apply_team_states(uow: UnitOfWork, states: list[TeamState]) -> None:
    """Apply full team snapshots whose version is newer than what is held (replays are harmless)."""
    newest: dict[str, TeamState] = {}
    for state in states:
        if state.team_id not in newest or state.version > newest[state.team_id].version:
            newest[state.team_id] = state
    for state in newest.values():
        if await _older_or_missing(uow, state.team_id, state.version):
            await uow[TEAMS].update_one(
                {"_id": state.team_id},
                {
                    "$set": {
                        "version": state.version,
                        "state": state.model_dump(mode="json"),
                        "deleted": False,
                    }
                },
                upsert=True,
                session=uow.session,
            )


async def _older_or_missing(uow: UnitOfWork, team_id: str, version: int) -> bool:
    held = await uow[TEAMS].find_one({"_id": team_id}, {"version": 1}, session=uow.session)
    return held is None or held["version"] < version


async def delete_team(uow: UnitOfWork, team_id: str, version: int) -> None:
    if await _older_or_missing(uow, team_id, version):
        await uow[TEAMS].update_one(
            {"_id": team_id},
            {"$set": {"version": version, "deleted": True, "state": None}},
            upsert=True,
            session=uow.session,
        )


async def directory(uow: UnitOfWork) -> Directory:
    docs = await uow[TEAMS].find({"deleted": False}, session=uow.session).to_list(None)
    return Directory.of(TeamState.model_validate(doc["state"]) for doc in docs)


# -- reporters -----------------------------------------------------------------------------------


async def apply_reporters(uow: UnitOfWork, items: list[dict[str, Any]]) -> None:
    """Upsert reporter records when their revision is newer; erased feedback stays erased."""
    if not items:
        return
    newest: dict[str, dict[str, Any]] = {}
    for item in items:
        if item["_id"] not in newest or item["revision"] > newest[item["_id"]]["revision"]:
            newest[item["_id"]] = item
    held = {
        doc["_id"]: doc
        for doc in await uow[REPORTERS]
        .find({"_id": {"$in": list(newest)}}, {"revision": 1, "erased": 1}, session=uow.session)
        .to_list(None)
    }
    writes = [
        UpdateOne({"_id": fid}, {"$set": item}, upsert=True)
        for fid, item in newest.items()
        if fid not in held or (not held[fid].get("erased") and held[fid]["revision"] < item["revision"])
    ]
    if writes:
        await uow[REPORTERS].bulk_write(writes, ordered=False, session=uow.session)


async def erase_reporters(uow: UnitOfWork, feedback_ids: list[str], erasure_id: str, now: datetime) -> None:
    """Drop everything personal; a tombstone keeps a late ingestion from bringing it back."""
    writes = [
        UpdateOne(
            {"_id": fid},
            {
                "$set": {"erased": True, "erasure_id": erasure_id, "erased_at": now},
                "$unset": {
                    "name": "",
                    "email": "",
                    "member_id": "",
                    "text": "",
                    "account_name": "",
                    "account_id": "",
                    "customer_email_domain": "",
                },
            },
            upsert=True,
        )
        for fid in feedback_ids
    ]
    if writes:
        await uow[REPORTERS].bulk_write(writes, ordered=False, session=uow.session)


async def reporters(uow: UnitOfWork, feedback_ids: list[str]) -> dict[str, dict[str, Any]]:
    docs = await uow[REPORTERS].find({"_id": {"$in": feedback_ids}}, session=uow.session).to_list(None)
    return {doc["_id"]: doc for doc in docs}


# -- rules, preferences, subscriptions -------------------------------------------------------------


async def rules_record(uow: UnitOfWork) -> dict[str, Any] | None:
    return await uow[RULES].find_one({"_id": "current"}, session=uow.session)


async def rules_version(uow: UnitOfWork) -> int:
    """The live rules' version: 0 before any were saved."""
    record = await uow[RULES].find_one({"_id": "current"}, {"version": 1}, session=uow.session)
    return record["version"] if record else 0


async def rules(uow: UnitOfWork) -> Rules:
    record = await rules_record(uow)
    return Rules.model_validate(record["rules"], context=STORED) if record else Rules()


async def save_rules(
    uow: UnitOfWork,
    rules: Rules,
    source: str,
    by: str,
    now: datetime,
    file_hash: str | None = None,
    *,
    expected: int | None = None,
) -> int | None:
    """Store the rules as the next version; returns it, or None when another write came first (with
    ``expected``: when the held version is not that one)."""
    record = await rules_record(uow)
    if expected is not None and expected != (record["version"] if record else 0):
        return None
    fields = {
        "rules": rules.model_dump(mode="json"),
        "source": source,
        "updated_by": by,
        "updated_at": now,
        "file_hash": file_hash if file_hash is not None else (record or {}).get("file_hash"),
    }
    return await _replace_versioned(uow, RULES, "current", fields, record)


async def preferences(uow: UnitOfWork, member_ids: list[str]) -> dict[str, Preferences]:
    docs = await uow[PREFERENCES].find({"_id": {"$in": member_ids}}, session=uow.session).to_list(None)
    return {doc["_id"]: Preferences.model_validate(doc["preferences"], context=STORED) for doc in docs}


async def preference_record(uow: UnitOfWork, member_id: str) -> tuple[Preferences | None, int]:
    """A member's preferences (None: the defaults) and their version (0 when none were saved)."""
    doc = await uow[PREFERENCES].find_one({"_id": member_id}, session=uow.session)
    if doc is None:
        return None, 0
    return Preferences.model_validate(doc["preferences"], context=STORED), doc.get("version", 1)


async def save_preferences(
    uow: UnitOfWork, member_id: str, prefs: Preferences, now: datetime, *, expected: int
) -> int | None:
    """Store a member's preferences as the next version if ``expected`` is the held one; None otherwise."""
    held = await uow[PREFERENCES].find_one({"_id": member_id}, session=uow.session)
    if expected != (held.get("version", 1) if held else 0):
        return None
    fields = {"preferences": prefs.model_dump(mode="json"), "updated_at": now}
    return await _replace_versioned(uow, PREFERENCES, member_id, fields, held)


async def _replace_versioned(
    uow: UnitOfWork, collection: str, key: str, fields: dict[str, Any], held: dict[str, Any] | None
) -> int | None:
    """``fields`` as the next version of document ``key``, on condition that what is stored is still
    ``held`` (as read); None when a concurrent write came first. Saved before versions existed: 1."""
    if held is None:
        try:
            await uow[collection].insert_one({"_id": key, **fields, "version": 1}, session=uow.session)
        except DuplicateKeyError:
            return None
        return 1
    version = held.get("version", 1)
    query = {"_id": key, "version": held["version"] if "version" in held else {"$exists": False}}
    result = await uow[collection].replace_one(query, {**fields, "version": version + 1}, session=uow.session)
    return version + 1 if result.matched_count == 1 else None


async def subscriptions(uow: UnitOfWork, member_id: str | None = None) -> list[tuple[str, Subscription]]:
    query = {"member_id": member_id} if member_id else {}
    docs = await uow[SUBSCRIPTIONS].find(query, session=uow.session).sort("_id", 1).to_list(None)
    return [
        (doc["member_id"], Subscription.model_validate({"subscription_id": doc["_id"], **doc["match"]}))
        for doc in docs
    ]


async def add_subscription(
    uow: UnitOfWork, member_id: str, subscription: Subscription, now: datetime
) -> None:
    match = subscription.model_dump(mode="json", exclude={"subscription_id"})
    await uow[SUBSCRIPTIONS].insert_one(
        {"_id": subscription.subscription_id, "member_id": member_id, "match": match, "created_at": now},
        session=uow.session,
    )


async def remove_subscription(uow: UnitOfWork, member_id: str, subscription_id: str) -> bool:
    result = await uow[SUBSCRIPTIONS].delete_one(
        {"_id": subscription_id, "member_id": member_id}, session=uow.session
    )
    return result.deleted_count == 1
