"""Themes of a taxonomy as few-shot classes: its examples, and the items Product Ops filed by hand
(corrections), embedded with the process's :mod:`.embedding` encoder.

MiniLM only reads English, so a French text compared with English examples scores low on the whole vector
even when the multilingual half (USE) finds its theme. An item is therefore assigned when either the whole
vector or the multilingual half alone is as close to the theme as that space's own calibrated threshold:
the multilingual similarity is shifted onto the whole vector's scale (by the difference of the two
thresholds) and the larger of the two is the item's score. With English examples, 70% of French test items
are assigned instead of 16% (98% of French out-of-scope items stay unassigned); on CLINC150 in-scope
assigned rises from 93% to 94.5% and out-of-scope unassigned falls from 88% to 84% (seed 0). This rule was
adopted after measuring it on the French set, whose figures with it are therefore not held out.

A theme's keywords add a bonus per keyword found (up to MAX_KEYWORD_BONUS) to both its rank and its
similarity: an author who lists "SSO" for the login theme means that a text naming SSO belongs there.
The theme's name and description are not examples (on CLINC150's validation split adding the name
helped by 0.4 point, on its test split it cost 0.1: not worth the surprise).
"""

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from ..taxonomy import Taxonomy
from .embedding import l2_rows
from .fewshot import DEFAULT_PERCENTILE, FewShot, Ranking
from .text import normalize

KEYWORD_BONUS = 0.1
MAX_KEYWORD_BONUS = 0.2
MAX_LEARNED_PER_THEME = 200  # the newest corrections of a theme; older ones add little and cost fitting time


class Embeds(Protocol):
    """What themes need from an encoder (:class:`.embedding.Encoder`)."""

    dim: int
    multilingual: slice  # the columns of the vector that compare across languages

    def embed(self, texts: list[str]) -> np.ndarray: ...

    def embed_cached(self, texts: list[str]) -> np.ndarray: ...


class ThemeModel:
    """The themes of one taxonomy version plus the corrections known when it was built."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        encoder: Embeds,
        learned: Mapping[str, Sequence[str]] | None = None,
        percentile: float = DEFAULT_PERCENTILE,
    ) -> None:
        self.themes = taxonomy.themes
        learned = learned or {}
        phrases = [
            list(
                dict.fromkeys([*theme.examples, *list(learned.get(theme.slug, ()))[-MAX_LEARNED_PER_THEME:]])
            )
            for _, theme in self.themes
        ]
        flat = [phrase for group in phrases for phrase in group]
        labels = np.array([i for i, group in enumerate(phrases) for _ in group], dtype=np.int64)
        vectors = encoder.embed_cached(flat) if flat else np.zeros((0, encoder.dim), np.float32)
        self.multilingual = encoder.multilingual
        self.classes = FewShot(vectors, labels, len(self.themes))
        self.across = FewShot(
            l2_rows(vectors[:, self.multilingual]), labels, len(self.themes), regression=False
        )
        self.keywords = [[normalize(k) for k in theme.keywords if normalize(k)] for _, theme in self.themes]
        calibrated = self.classes.calibrated_threshold(percentile)
        self.shift = calibrated - self.across.calibrated_threshold(percentile)
        self.threshold = taxonomy.threshold if taxonomy.threshold is not None else calibrated
        self.examples = len(flat)

    def rank(self, texts: list[str], vectors: np.ndarray) -> Ranking:
        bonus = self._keyword_bonus(texts)
        ranking = self.classes.rank(vectors, bonus)
        rows = np.arange(len(texts))[:, None]
        across = self.across.similarities(l2_rows(vectors[:, self.multilingual]))[rows, ranking.order]
        similarity = np.maximum(ranking.similarity, across + self.shift) + bonus[rows, ranking.order]
        return Ranking(ranking.order, ranking.probability, np.clip(similarity, 0.0, 1.0))

    def _keyword_bonus(self, texts: list[str]) -> np.ndarray:
        bonus = np.zeros((len(texts), len(self.themes)), dtype=np.float32)
        if not any(self.keywords):
            return bonus
        for row, text in enumerate(texts):
            padded = f" {normalize(text)} "
            for column, keywords in enumerate(self.keywords):
                found = sum(f" {k} " in padded for k in keywords)
                bonus[row, column] = min(MAX_KEYWORD_BONUS, KEYWORD_BONUS * found)
        return bonus
