"""Near-duplicate scoring: the same need logged twice (a ticket copied into the CRM, with notes). Pure.

An item's signature is its content words (folded, no function words), kept on
the stored item so candidates are never re-tokenised. Two signatures compare on
character trigrams of those words, which survives typos, re-wording of the
surroundings and plural forms. The score blends Jaccard (overall likeness)
with containment (one text copied inside a longer one); very short texts use
Jaccard alone, where containment would call any two-word note a copy.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from .text import content_words

MAX_SIGNATURE_WORDS = 300
_SHORT = 12  # trigrams; below this containment is too easily 1.0


def signature(text: str) -> str:
    return " ".join(content_words(text)[:MAX_SIGNATURE_WORDS])


def trigrams(sig: str) -> frozenset[str]:
    padded = f" {sig} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    jaccard = common / len(a | b)
    if min(len(a), len(b)) < _SHORT:
        return round(jaccard, 4)
    containment = common / min(len(a), len(b))
    return round((jaccard + containment) / 2, 4)


@dataclass(frozen=True)
class Candidate:
    feedback_id: str
    occurred_at: datetime
    signature: str
    root: str  # what the candidate itself duplicates, or its own id: links never chain

    @cached_property
    def grams(self) -> frozenset[str]:  # only for the candidates actually compared
        return trigrams(self.signature)


@dataclass(frozen=True)
class Match:
    feedback_id: str
    similarity: float


def best_match(
    grams: frozenset[str],
    occurred_at: datetime,
    candidates: Iterable[Candidate],
    *,
    threshold: float,
    window: timedelta,
    max_candidates: int,
    exclude: str,
) -> Match | None:
    """The most similar candidate within the time window, if it reaches the threshold.

    Only the ``max_candidates`` nearest in time are compared, so the cost per item is bounded
    whatever the customer's history.
    """
    near = [
        c
        for c in candidates
        if c.feedback_id != exclude and c.root != exclude and abs(c.occurred_at - occurred_at) <= window
    ]
    near.sort(key=lambda c: abs(c.occurred_at - occurred_at))
    best: Match | None = None
    for candidate in near[:max_candidates]:
        score = similarity(grams, candidate.grams)
        if score >= threshold and (best is None or score > best.similarity):
            best = Match(candidate.root, score)
    return best
