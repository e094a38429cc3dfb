"""Theme scoring: how close a text is to each theme's examples, description and keywords.

The service uses :class:`NgramScorer`: TF-IDF over character n-grams (3-5,
inside word boundaries) plus stemmed words, fitted on the taxonomy itself.
It is language-robust (French inflections and English plurals share
n-grams), needs no model download, starts in milliseconds and scores an
item in well under a millisecond. The README compares it with sentence
embeddings measured on the same data set.

A theme's score blends the best single example match with the match to the
theme's centroid (all its phrases together), plus a bonus per keyword found.
"""

from collections import Counter
from typing import Protocol

import numpy as np

from ..taxonomy import Taxonomy
from .text import char_ngrams, normalize, word_features
from .vectors import TfIdf, normalize_rows

KEYWORD_BONUS = 0.1
MAX_KEYWORD_BONUS = 0.2


class ThemeScorer(Protocol):
    def scores(self, texts: list[str]) -> np.ndarray:
        """One row per text, one column per theme of the taxonomy (in ``Taxonomy.themes`` order)."""
        ...


def theme_phrases(taxonomy: Taxonomy) -> list[list[str]]:
    """Per theme: its examples, and its name with its description as one more phrase."""
    return [[*theme.examples, f"{theme.name}. {theme.description}".strip()] for _, theme in taxonomy.themes]


def ngram_and_word_features(text: str) -> Counter[str]:
    features = char_ngrams(text)
    features.update({f"w:{term}": count for term, count in word_features(text).items()})
    return features


FEATURES = {"ngram": char_ngrams, "words": word_features, "ngram+words": ngram_and_word_features}


def blend(
    similarity_to_examples: np.ndarray, owner: np.ndarray, centroid_similarity: np.ndarray, n_themes: int
) -> np.ndarray:
    """Per text and theme: half the best example similarity, half the centroid similarity."""
    best = np.zeros((similarity_to_examples.shape[0], n_themes), dtype=np.float32)
    for theme in range(n_themes):
        columns = similarity_to_examples[:, owner == theme]
        if columns.shape[1]:
            best[:, theme] = columns.max(axis=1)
    return 0.5 * best + 0.5 * centroid_similarity


class VectorScorer:
    """Scores by cosine similarity in any embedding; subclasses say how a text becomes a vector."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        phrases = theme_phrases(taxonomy)
        self.n_themes = len(phrases)
        self.owner = np.array([i for i, group in enumerate(phrases) for _ in group], dtype=np.int32)
        flat = [phrase for group in phrases for phrase in group]
        self.fit(flat)
        self.examples = self.embed(flat) if flat else np.zeros((0, 1), dtype=np.float32)
        centroids = [self.examples[self.owner == i].mean(axis=0) for i in range(self.n_themes)]
        self.centroids = normalize_rows(np.vstack(centroids)) if centroids else self.examples[:0]
        self.keywords = [[normalize(k) for k in theme.keywords] for _, theme in taxonomy.themes]

    def fit(self, phrases: list[str]) -> None:
        """Learn what the embedding needs from the taxonomy's phrases (nothing, for pre-trained ones)."""

    def embed(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def scores(self, texts: list[str]) -> np.ndarray:
        if not texts or self.n_themes == 0:
            return np.zeros((len(texts), self.n_themes), dtype=np.float32)
        vectors = self.embed(texts)
        blended = blend(vectors @ self.examples.T, self.owner, vectors @ self.centroids.T, self.n_themes)
        return np.clip(blended + self._keyword_bonus(texts), 0.0, 1.0)

    def _keyword_bonus(self, texts: list[str]) -> np.ndarray:
        bonus = np.zeros((len(texts), self.n_themes), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f" {normalize(text)} "
            for column, keywords in enumerate(self.keywords):
                found = sum(f" {k} " in padded for k in keywords if k)
                bonus[row, column] = min(MAX_KEYWORD_BONUS, KEYWORD_BONUS * found)
        return bonus


class NgramScorer(VectorScorer):
    def __init__(self, taxonomy: Taxonomy, features: str = "ngram+words") -> None:
        self._features = FEATURES[features]
        super().__init__(taxonomy)

    def fit(self, phrases: list[str]) -> None:
        self.space = TfIdf(self._features, phrases)

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.space.matrix(texts)
