"""Classification: themes with confidence (or unassigned), category, sentiment, language.

One code path for the service's consumer, the replay and the offline
``classify`` command: :class:`Classifier`. Pure CPU, no I/O.
"""

from dataclasses import dataclass, field

from terrain_contracts.events.feedback import FeedbackCategory, SentimentLabel

from ..taxonomy import Taxonomy
from .category import categorize
from .sentiment import sentiment
from .text import language
from .themes import NgramScorer, ThemeScorer

DEFAULT_THRESHOLD = 0.09  # chosen on the dev split of the evaluation set (services/insights/README.md)
MAX_THEMES = 3
# A second theme is kept only when nearly as close as the first: items rarely straddle themes.
SECONDARY_RATIO = 0.9


@dataclass(frozen=True)
class ThemeMatch:
    theme: str
    product_area: str
    confidence: float


@dataclass(frozen=True)
class Classification:
    taxonomy_version: int
    themes: list[ThemeMatch]
    category: FeedbackCategory
    sentiment: SentimentLabel
    sentiment_score: float
    language: str | None = None
    best_score: float = field(default=0.0, compare=False)

    @property
    def theme(self) -> ThemeMatch | None:
        return self.themes[0] if self.themes else None


class Classifier:
    def __init__(
        self, taxonomy: Taxonomy, threshold: float = DEFAULT_THRESHOLD, scorer: ThemeScorer | None = None
    ) -> None:
        self.taxonomy = taxonomy
        self.threshold = threshold
        self.scorer = scorer or NgramScorer(taxonomy)
        self._themes = taxonomy.themes

    def classify(self, text: str) -> Classification:
        return self.classify_many([text])[0]

    def classify_many(self, texts: list[str]) -> list[Classification]:
        scores = self.scorer.scores(texts)
        return [self._assemble(text, row) for text, row in zip(texts, scores, strict=True)]

    def _assemble(self, text: str, row) -> Classification:
        order = sorted(range(len(row)), key=lambda i: -float(row[i]))
        best = float(row[order[0]]) if order else 0.0
        matches = []
        for i in order[:MAX_THEMES]:
            score = float(row[i])
            if score < self.threshold or score < best * SECONDARY_RATIO:
                break
            area, theme = self._themes[i]
            matches.append(ThemeMatch(theme.slug, area, round(min(1.0, score), 4)))
        category, _ = categorize(text)
        label, score = sentiment(text, category.value)
        return Classification(
            taxonomy_version=self.taxonomy.version,
            themes=matches,
            category=category,
            sentiment=label,
            sentiment_score=score,
            language=language(text),
            best_score=best,
        )
