"""Projections (teams, reporters) and configuration (rules, preferences, subscriptions)."""

from datetime import datetime
from typing import Any

from pymongo import UpdateOne
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
                "$unset": {"name": "", "email": "", "text": "", "account_name": "", "account_id": ""},
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


async def rules(uow: UnitOfWork) -> Rules:
    record = await rules_record(uow)
    return Rules.model_validate(record["rules"], context=STORED) if record else Rules()


async def save_rules(
    uow: UnitOfWork, rules: Rules, source: str, by: str, now: datetime, file_hash: str | None = None
) -> int:
    record = await rules_record(uow)
    version = (record["version"] + 1) if record else 1
    await uow[RULES].replace_one(
        {"_id": "current"},
        {
            "rules": rules.model_dump(mode="json"),
            "version": version,
            "source": source,
            "updated_by": by,
            "updated_at": now,
            "file_hash": file_hash if file_hash is not None else (record or {}).get("file_hash"),
        },
        upsert=True,
        session=uow.session,
    )
    return version


async def preferences(uow: UnitOfWork, member_ids: list[str]) -> dict[str, Preferences]:
    docs = await uow[PREFERENCES].find({"_id": {"$in": member_ids}}, session=uow.session).to_list(None)
    return {doc["_id"]: Preferences.model_validate(doc["preferences"], context=STORED) for doc in docs}


async def save_preferences(uow: UnitOfWork, member_id: str, prefs: Preferences, now: datetime) -> None:
    await uow[PREFERENCES].replace_one(
        {"_id": member_id},
        {"preferences": prefs.model_dump(mode="json"), "updated_at": now},
        upsert=True,
        session=uow.session,
    )


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
