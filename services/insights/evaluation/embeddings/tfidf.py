"""Tiny TF-IDF theme scorer (char 3-5 grams in word boundaries + words), numpy only.

Vocabulary = n-grams of the examples; a text's score for theme t is the cosine
between its TF-IDF vector and the theme's (L2-normalised) TF-IDF centroid.

Used by exp_blend.py (FINDINGS.md: TF-IDF alone 0.781, best blend weight on val 0). Needs: numpy.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)


def grams(text: str, lo: int = 3, hi: int = 5) -> Counter:
    words = _WORD.findall(text.lower())
    c = Counter("w:" + w for w in words)
    for w in words:
        s = f" {w} "
        for n in range(lo, hi + 1):
            for i in range(max(len(s) - n + 1, 1)):
                c[s[i : i + n]] += 1
    return c


class TfidfThemes:
    def fit(self, texts: list[str], y: np.ndarray, k: int):
        docs = [grams(t) for t in texts]
        df = Counter(g for d in docs for g in d)
        self.vocab = {g: i for i, g in enumerate(df)}
        n = len(docs)
        self.idf = np.array([math.log((1 + n) / (1 + df[g])) + 1 for g in self.vocab], np.float32)
        C = np.zeros((k, len(self.vocab)), np.float32)
        for d, t in zip(docs, y, strict=False):
            idx, val = self._vec(d)
            C[t, idx] += val
        C /= np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-12)
        self.C = C
        return self

    def _vec(self, d: Counter):
        pairs = [(self.vocab[g], 1 + math.log(c)) for g, c in d.items() if g in self.vocab]
        if not pairs:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        idx = np.array([p[0] for p in pairs])
        val = np.array([p[1] for p in pairs], np.float32) * self.idf[idx]
        return idx, val / np.linalg.norm(val)

    def scores(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.C.shape[0]), np.float32)
        for r, t in enumerate(texts):
            idx, val = self._vec(grams(t))
            if len(idx):
                out[r] = self.C[:, idx] @ val
        return out
