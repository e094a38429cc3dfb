"""Which feedback items each initiative links, from ``initiative.feedback_linked/unlinked``: the reporters
told of its lifecycle steps before it ships (``initiative.shipped`` carries its own list)."""

from datetime import datetime

from terrain_kit.uow import UnitOfWork

from . import LINKS


async def set_link(uow: UnitOfWork, initiative_id: str, feedback_id: str, linked: bool, at: datetime) -> None:
    await uow[LINKS].update_one(
        {"_id": f"{initiative_id}:{feedback_id}"},
        {"$set": {"initiative_id": initiative_id, "feedback_id": feedback_id, "linked": linked, "at": at}},
        upsert=True,
        session=uow.session,
    )


async def linked_feedback(uow: UnitOfWork, initiative_id: str) -> list[str]:
    docs = (
        await uow[LINKS]
        .find({"initiative_id": initiative_id, "linked": True}, {"feedback_id": 1}, session=uow.session)
        .sort("_id", 1)
        .to_list(None)
    )
    return [doc["feedback_id"] for doc in docs]


async def forget_feedback(uow: UnitOfWork, feedback_ids: list[str]) -> None:
    """Erased feedback: its links go with it."""
    await uow[LINKS].delete_many({"feedback_id": {"$in": feedback_ids}}, session=uow.session)
