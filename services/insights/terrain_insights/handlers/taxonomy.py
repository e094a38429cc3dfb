"""Taxonomy changes: every change stores a new version; candidates are promoted into themes."""

from typing import Any

from terrain_kit.errors import Conflict, NotFound, check_version
from terrain_kit.uow import UnitOfWork

from ..domain.taxonomy import Taxonomy, Theme, refuse_empty
from ..store import candidates
from ..store import taxonomy as store
from .context import Context


async def new_version(
    uow: UnitOfWork, context: Context, taxonomy: Taxonomy, author: str, note: str | None = None
) -> Taxonomy:
    current = await store.latest(uow)
    return await _store(uow, context, current, taxonomy, author, note)


async def replace(
    uow: UnitOfWork,
    context: Context,
    taxonomy: Taxonomy,
    if_match: int | None,
    author: str,
    note: str,
    allow_empty: bool = False,
) -> Taxonomy:
    """Replace the whole taxonomy, based on version ``if_match``: required once a taxonomy with product
    areas exists (428 without it, 412 when another version came since; the first one, when there is none
    or only the empty one the service starts with, needs none); an empty one only when ``allow_empty``."""
    refuse_empty(taxonomy, allow_empty)
    current = await store.latest(uow)
    if if_match is not None or (current is not None and current.areas):
        check_version(current.version if current else 0, if_match)
    return await _store(uow, context, current, taxonomy, author, note)


async def _store(
    uow: UnitOfWork,
    context: Context,
    current: Taxonomy | None,
    taxonomy: Taxonomy,
    author: str,
    note: str | None,
) -> Taxonomy:
    if current is not None and current.content() == taxonomy.content():
        return current  # nothing changed: no new version
    version = (current.version if current else 0) + 1
    return await store.insert(uow, taxonomy, version, author, note, context.now())


async def current(uow: UnitOfWork) -> Taxonomy:
    return await store.latest(uow) or Taxonomy()


async def put_theme(uow: UnitOfWork, context: Context, area: str, theme: Theme, author: str) -> Taxonomy:
    taxonomy = await current(uow)
    return await new_version(
        uow, context, taxonomy.with_theme(area, theme), author, f"theme {theme.slug} set"
    )


async def delete_theme(uow: UnitOfWork, context: Context, slug: str, author: str) -> Taxonomy:
    taxonomy = await current(uow)
    if taxonomy.theme(slug) is None:
        raise NotFound(f"no theme {slug}")
    return await new_version(uow, context, taxonomy.without_theme(slug), author, f"theme {slug} removed")


async def promote(
    uow: UnitOfWork,
    context: Context,
    candidate_id: str,
    slug: str,
    name: str,
    area: str,
    description: str,
    author: str,
) -> tuple[Taxonomy, dict[str, Any]]:
    candidate = await candidates.get(uow, candidate_id)
    if candidate is None:
        raise NotFound(f"no candidate {candidate_id}")
    if candidate["status"] != "open":
        raise Conflict(f"candidate {candidate_id} is {candidate['status']}")
    taxonomy = await current(uow)
    if taxonomy.theme(slug) is not None:
        raise Conflict(f"theme {slug} already exists")
    theme = Theme(
        slug=slug,
        name=name,
        description=description,
        examples=[e["text"] for e in candidate["examples"]] or [name],
        keywords=[t for t in candidate["label_terms"] if len(t) >= 2],
    )
    note = f"candidate {candidate_id} promoted"
    stored = await new_version(uow, context, taxonomy.with_theme(area, theme), author, note)
    await candidates.promoted(uow, candidate_id, slug, stored.version, context.now())
    return stored, candidate
