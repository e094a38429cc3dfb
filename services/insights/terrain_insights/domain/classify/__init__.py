"""Classification: themes with confidence (or unassigned), category, sentiment, language.

One code path for the service's consumer, the replay and the offline ``classify`` command:
:class:`Classifier`. Pure CPU once the encoder is loaded, no I/O. Texts are embedded once per batch
(batched, they cost a third of what one text per call does).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from terrain_contracts.events.feedback import FeedbackCategory, SentimentLabel

from ..taxonomy import Taxonomy
from .embedding import encoder
from .fewshot import DEFAULT_PERCENTILE
from .kind import KindModel, kind_model
from .sentiment import sentiment
from .text import language
from .themes import Embeds, ThemeModel

MAX_THEMES = 3
# A second theme is kept only when nearly as probable as the first: items rarely straddle themes.
SECONDARY_RATIO = 0.9


@dataclass(frozen=True)
class ThemeMatch:
    theme: str
    product_area: str
    confidence: float  # the probability the classifier gives this theme among the taxonomy's


@dataclass(frozen=True)
class Classification:
    taxonomy_version: int
    themes: list[ThemeMatch]
    category: FeedbackCategory
    sentiment: SentimentLabel
    sentiment_score: float
    language: str | None = None
    best_score: float = field(default=0.0, compare=False)  # similarity to the likeliest theme

    @property
    def theme(self) -> ThemeMatch | None:
        return self.themes[0] if self.themes else None


class Classifier:
    """Classifies with ``taxonomy``, the ``learned`` examples (corrections, by theme slug) and a threshold:
    ``threshold`` if given, else the taxonomy's own, else the one calibrated on its examples."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        threshold: float | None = None,
        learned: Mapping[str, Sequence[str]] | None = None,
        percentile: float = DEFAULT_PERCENTILE,
        embeds: Embeds | None = None,
        kinds: KindModel | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.encoder = embeds or encoder()
        self.kinds = kinds or kind_model()
        self.model = ThemeModel(taxonomy, self.encoder, learned, percentile)
        self.threshold = threshold if threshold is not None else self.model.threshold

    def classify(self, text: str) -> Classification:
        return self.classify_many([text])[0]

    def classify_many(self, texts: list[str], vectors: np.ndarray | None = None) -> list[Classification]:
        """``vectors``: the texts' embeddings when the caller has them already (the evaluation)."""
        if not texts:
            return []
        vectors = self.encoder.embed(texts) if vectors is None else vectors
        ranking = self.model.rank(texts, vectors)
        kinds = self.kinds.kinds(vectors, texts)
        return [
            self._assemble(text, kinds[i][0], ranking.order[i], ranking.probability[i], ranking.similarity[i])
            for i, text in enumerate(texts)
        ]

    def _assemble(
        self, text: str, category: FeedbackCategory, order, probability, similarity
    ) -> Classification:
        best = float(similarity[0]) if len(order) else 0.0
        matches = []
        for rank in range(min(MAX_THEMES, len(order))):
            if similarity[rank] < self.threshold or probability[rank] < probability[0] * SECONDARY_RATIO:
                break
            area, theme = self.model.themes[int(order[rank])]
            matches.append(ThemeMatch(theme.slug, area, round(float(probability[rank]), 4)))
        label, score = sentiment(text, category.value)
        return Classification(
            taxonomy_version=self.taxonomy.version,
            themes=matches,
            category=category,
            sentiment=label,
            sentiment_score=score,
            language=language(text),
            best_score=round(best, 4),
        )


def with_correction(
    result: Classification, correction: Mapping[str, Any] | None, taxonomy: Taxonomy
) -> Classification:
    """``result`` as Product Ops corrected it: their theme (None: no theme) while the taxonomy still has
    it, and their kind: what the classifier says no longer matters for that item, whatever the version."""
    if not correction:
        return result
    themes, category = result.themes, result.category
    if "theme" in correction:
        slug = correction["theme"]
        area = taxonomy.area_of(slug) if slug is not None else None
        if slug is None:
            themes = []
        elif area is not None:
            themes = [ThemeMatch(slug, area, 1.0)]
    if correction.get("kind"):
        category = FeedbackCategory(correction["kind"])
    return replace(result, themes=themes, category=category)
