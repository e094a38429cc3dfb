"""Taxonomy changes: every change stores a new version; candidates are promoted into themes."""

from typing import Any

from terrain_kit.uow import UnitOfWork

from ..store import CANDIDATES
from ..store import taxonomy as store
from ..taxonomy import Taxonomy, Theme
from .context import utcnow


class NotFound(LookupError):
    pass


class Refused(ValueError):
    pass


async def new_version(uow: UnitOfWork, taxonomy: Taxonomy, author: str, note: str | None = None) -> Taxonomy:
    current = await store.latest(uow)
    if current is not None and current.content() == taxonomy.content():
        return current  # nothing changed: no new version
    return await store.insert(uow, taxonomy, author, note)


async def current(uow: UnitOfWork) -> Taxonomy:
    return await store.latest(uow) or Taxonomy()


async def put_theme(uow: UnitOfWork, area: str, theme: Theme, author: str) -> Taxonomy:
    taxonomy = await current(uow)
    return await new_version(uow, taxonomy.with_theme(area, theme), author, f"theme {theme.slug} set")


async def delete_theme(uow: UnitOfWork, slug: str, author: str) -> Taxonomy:
    taxonomy = await current(uow)
    if taxonomy.theme(slug) is None:
        raise NotFound(f"no theme {slug}")
    return await new_version(uow, taxonomy.without_theme(slug), author, f"theme {slug} removed")


async def promote(
    uow: UnitOfWork, candidate_id: str, slug: str, name: str, area: str, description: str, author: str
) -> tuple[Taxonomy, dict[str, Any]]:
    candidate = await uow[CANDIDATES].find_one({"_id": candidate_id}, session=uow.session)
    if candidate is None:
        raise NotFound(f"no candidate {candidate_id}")
    if candidate["status"] != "open":
        raise Refused(f"candidate {candidate_id} is {candidate['status']}")
    taxonomy = await current(uow)
    if taxonomy.theme(slug) is not None:
        raise Refused(f"theme {slug} already exists")
    theme = Theme(
        slug=slug,
        name=name,
        description=description,
        examples=[e["text"] for e in candidate["examples"]] or [name],
        keywords=[t for t in candidate["label_terms"] if len(t) >= 2],
    )
    stored = await new_version(
        uow, taxonomy.with_theme(area, theme), author, f"candidate {candidate_id} promoted"
    )
    await uow[CANDIDATES].update_one(
        {"_id": candidate_id},
        {
            "$set": {
                "status": "promoted",
                "theme": slug,
                "taxonomy_version": stored.version,
                "promoted_at": utcnow(),
            }
        },
        session=uow.session,
    )
    return stored, candidate
