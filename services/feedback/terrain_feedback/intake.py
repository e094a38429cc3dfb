"""Ingesting from an HTTP request: one unit of work, answered only once committed."""

from fastapi import FastAPI
from pymongo.errors import DuplicateKeyError

from . import handlers
from .domain.items import Decision
from .handlers import Rules, Submission
from .store import ConcurrentEdit

ATTEMPTS = 3


async def ingest_now(app: FastAPI, submission: Submission) -> Decision:
    """Store one submission with its feedback.ingested in one transaction; 2xx may follow."""
    rules: Rules = app.state.rules
    for attempt in range(1, ATTEMPTS + 1):
        try:
            [decision] = await app.state.service.transactions.run(
                lambda uow: handlers.ingest(uow, [submission], rules)
            )
            return decision
        except (DuplicateKeyError, ConcurrentEdit):
            # Another replica stored the same item meanwhile: deciding again sees it (edit or replay).
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")
