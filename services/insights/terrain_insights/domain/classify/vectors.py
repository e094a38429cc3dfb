"""A small TF-IDF vector space over any feature function (character n-grams, words), on numpy.

Features never seen when fitting still count in a vector's norm: a long text
that shares one n-gram with a theme is not mistaken for a close match.
"""

import math
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

Features = Callable[[str], Counter[str]]


class TfIdf:
    def __init__(self, features: Features, documents: Iterable[str], min_df: int = 1) -> None:
        self.features = features
        counted = [features(doc) for doc in documents]
        df: Counter[str] = Counter()
        for grams in counted:
            df.update(grams.keys())
        vocabulary = sorted(term for term, count in df.items() if count >= min_df)
        self.index = {term: i for i, term in enumerate(vocabulary)}
        n = max(1, len(counted))
        self.idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocabulary], dtype=np.float32)
        self.unseen_idf = math.log(1 + n) + 1.0  # what a feature absent from the fitted documents weighs

    @property
    def size(self) -> int:
        return len(self.index)

    def vector(self, text: str) -> np.ndarray:
        """L2-normalised TF-IDF (sublinear tf) in the fitted space."""
        out = np.zeros(len(self.index), dtype=np.float32)
        unseen = 0.0
        for term, count in self.features(text).items():
            weight = 1.0 + math.log(count)
            position = self.index.get(term)
            if position is None:
                unseen += (weight * self.unseen_idf) ** 2
            else:
                out[position] = weight * self.idf[position]
        norm = math.sqrt(float(out @ out) + unseen)
        return out / norm if norm > 0 else out

    def matrix(self, texts: Iterable[str]) -> np.ndarray:
        rows = [self.vector(text) for text in texts]
        return np.vstack(rows) if rows else np.zeros((0, len(self.index)), dtype=np.float32)


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
