"""Corrections: Product Ops files an item under the right theme (or none) and kind by hand.

The item keeps that theme through edits and replays; its contribution moves like any reclassification
(one transaction, ``feedback.classified`` published); and its text becomes an example of the theme, so
the next classifications learn from it (every replica rebuilds its classifier on the learned revision).
"""

from typing import Any

from terrain_kit.errors import Invalid, NotFound
from terrain_kit.uow import UnitOfWork

from ..domain.classify import with_correction
from ..store import items, learned
from .context import Context
from .feedback import reapply

UNSET: Any = object()


async def correct(
    uow: UnitOfWork, context: Context, feedback_id: str, theme: str | None, kind: str | None, actor: str
) -> dict[str, Any]:
    """Set the item's theme (``UNSET``: leave it) and kind (None: leave it); returns its classification."""
    doc = await items.get(uow, feedback_id)
    if doc is None or doc.get("erased"):
        raise NotFound(f"no classified item {feedback_id}")
    classifier = await context.classifier(uow)
    taxonomy = classifier.taxonomy
    if theme is not UNSET and theme is not None and taxonomy.theme(theme) is None:
        raise Invalid("theme", f"no theme {theme!r} in the taxonomy (version {taxonomy.version})")
    correction = dict(doc.get("corrected") or {}) | {"by": actor, "at": context.now()}
    if theme is not UNSET:
        correction["theme"] = theme
    if kind is not None:
        correction["kind"] = kind
    result = with_correction(classifier.classify(doc["text"]), correction, taxonomy)
    await reapply(uow, context, [doc | {"corrected": correction}], [result])
    if theme is not UNSET:
        if theme is None:
            await learned.forget(uow, [feedback_id])
        else:
            await learned.learn(uow, feedback_id, theme, doc["text"], actor, context.now())
    stored = await items.get(uow, feedback_id)
    assert stored is not None
    return view(stored)


def view(doc: dict[str, Any]) -> dict[str, Any]:
    """An item's classification as the API shows it, with the correction if any."""
    corrected = doc.get("corrected")
    return {
        "feedback_id": doc["_id"],
        "revision": doc["revision"],
        **doc["classification"],
        "corrected": None
        if not corrected
        else {k: corrected.get(k) for k in ("theme", "kind", "by", "at") if k in corrected},
    }
