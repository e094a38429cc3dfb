"""Few-shot theme classifier on L2-normalised sentence embeddings (numpy only).

    emb = Embedder("minilm-int8")                      # embedder.py
    clf = FewShotClassifier(emb).fit({"billing": [...], "login": [...]})
    clf.calibrate_threshold()                          # from the examples themselves
    clf.predict(["I was charged twice"])               # -> [("billing", 0.71)]

Scoring of a text x against theme t (all cosine similarities):
    sim_t = a * max_{e in t} cos(x, e) + (1 - a) * cos(x, centroid_t)
The theme chosen is argmax of a softmax/LR trained on the examples when
``use_lr`` (better accuracy), else argmax sim_t. The *score* returned, and
compared with the threshold, is always sim_t of the chosen theme: a
similarity, so the same threshold keeps its meaning when examples are added.

Threshold calibration (no labelled out-of-scope data needed): each example
is scored leave-one-out against its own theme (its own vector removed from
the max and from the centroid); the threshold is the q-th percentile of
those scores (q=8 kept 91-94 % of CLINC in-scope test texts assigned).

Corrections: ``add_examples(theme, texts)`` appends the corrected texts as
examples and refits (cheap: the LR on a few thousand vectors takes < 1 s).

Measures nothing by itself; eval_clinc.py, eval_french.py and the exp_* scripts use it.
Needs: numpy only. Research code, not used by the service (FINDINGS.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class _Embeds(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


def _l2(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def train_softmax(
    X: np.ndarray,
    y: np.ndarray,
    k: int,
    l2: float = 1e-3,
    scale: float = 10.0,
    iters: int = 500,
    lr: float = 0.03,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, full-batch Adam. X rows L2-normalised.

    ``scale`` multiplies the features (cosine logits need a temperature).
    Returns (W (d,k), b (k,)).
    """
    n, d = X.shape
    Xs = (X * scale).astype(np.float32)
    W = np.zeros((d, k), np.float32)
    b = np.zeros(k, np.float32)
    Y = np.zeros((n, k), np.float32)
    Y[np.arange(n), y] = 1
    mW = np.zeros_like(W)
    vW = np.zeros_like(W)
    mb = np.zeros_like(b)
    vb = np.zeros_like(b)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, iters + 1):
        Z = Xs @ W + b
        Z -= Z.max(1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(1, keepdims=True)
        G = (P - Y) / n
        gW = Xs.T @ G + l2 * W
        gb = G.sum(0)
        mW = b1 * mW + (1 - b1) * gW
        vW = b2 * vW + (1 - b2) * gW * gW
        mb = b1 * mb + (1 - b1) * gb
        vb = b2 * vb + (1 - b2) * gb * gb
        c1, c2 = 1 - b1**t, 1 - b2**t
        W -= lr * (mW / c1) / (np.sqrt(vW / c2) + eps)
        b -= lr * (mb / c1) / (np.sqrt(vb / c2) + eps)
    return W * scale, b  # so that logits = X @ W + b on unscaled X


class FewShotClassifier:
    def __init__(
        self,
        embedder: _Embeds | None = None,
        alpha: float = 0.25,
        use_lr: bool = True,
        l2: float = 3e-4,
        percentile: float = 8.0,
    ):
        self.embedder = embedder
        self.alpha = alpha
        self.use_lr = use_lr
        self.l2 = l2
        self.percentile = percentile
        self.threshold: float | None = None
        self.examples: dict[str, list[str]] = {}

    # ---- fitting -------------------------------------------------------
    def fit(self, examples_by_theme: dict[str, Sequence[str]], vectors: np.ndarray | None = None):
        """examples_by_theme: theme -> example texts. ``vectors`` (optional):
        precomputed embeddings of the examples in the same order (theme order, then text order)."""
        self.examples = {t: list(v) for t, v in examples_by_theme.items() if len(v)}
        self.themes = list(self.examples)
        texts = [x for t in self.themes for x in self.examples[t]]
        self.y = np.array([i for i, t in enumerate(self.themes) for _ in self.examples[t]])
        E = vectors if vectors is not None else self.embedder.embed(texts)
        self.fit_vectors(E, self.y, self.themes)
        return self

    def fit_vectors(self, E: np.ndarray, y: np.ndarray, themes: list[str]):
        order = np.argsort(np.asarray(y), kind="stable")  # examples grouped by theme (for reduceat)
        self.E = _l2(np.asarray(E, np.float32))[order]
        self.y = np.asarray(y)[order]
        if len(set(self.y.tolist())) != len(themes):
            raise ValueError("every theme needs at least one example")
        self.starts = np.flatnonzero(np.r_[True, self.y[1:] != self.y[:-1]])
        self.themes = list(themes)
        k = len(self.themes)
        self.sums = np.zeros((k, self.E.shape[1]), np.float32)
        np.add.at(self.sums, self.y, self.E)
        self.counts = np.bincount(self.y, minlength=k).astype(np.float32)
        self.C = _l2(self.sums)
        self.onehot = np.zeros((len(self.y), k), bool)
        self.onehot[np.arange(len(self.y)), self.y] = True
        if self.use_lr:
            self.W, self.b = train_softmax(self.E, self.y, k, l2=self.l2)
        return self

    def add_examples(self, theme: str, texts: Sequence[str]):
        """A correction: the texts become examples of ``theme`` (new themes allowed)."""
        self.examples.setdefault(theme, []).extend(texts)
        recalibrate = self.threshold is not None
        self.fit(self.examples)
        if recalibrate:
            self.calibrate_threshold()
        return self

    # ---- scoring -------------------------------------------------------
    def similarities(self, X: np.ndarray) -> np.ndarray:
        """(n, k) mixed similarity sim_t = a*max example cos + (1-a)*centroid cos."""
        S = X @ self.E.T  # (n, m), columns grouped by theme
        mx = np.maximum.reduceat(S, self.starts, axis=1)  # per-theme max
        return self.alpha * mx + (1 - self.alpha) * (X @ self.C.T)

    def decide(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Theme index and its similarity score for embedded texts X."""
        sim = self.similarities(X)
        if self.use_lr:
            idx = np.argmax(X @ self.W + self.b, axis=1)
        else:
            idx = np.argmax(sim, axis=1)
        return idx, sim[np.arange(len(X)), idx]

    def predict_vectors(self, X: np.ndarray, threshold: float | None = None):
        thr = self.threshold if threshold is None else threshold
        idx, score = self.decide(_l2(np.asarray(X, np.float32)))
        return [
            (self.themes[i] if thr is None or s >= thr else None, float(s))
            for i, s in zip(idx, score, strict=False)
        ]

    def predict(self, texts: Sequence[str], threshold: float | None = None):
        """-> list of (theme or None, score)."""
        return self.predict_vectors(self.embedder.embed(list(texts)), threshold)

    # ---- threshold -----------------------------------------------------
    def loo_scores(self) -> np.ndarray:
        """Each example's similarity to its own theme with itself left out."""
        E, y = self.E, self.y
        S = E @ E.T
        np.fill_diagonal(S, -1.0)
        own = self.onehot[:, y].T  # own[i, j]: example j in the theme of example i
        mx = np.where(own, S, -1.0).max(1)
        # centroid of the theme without the example itself
        rest = self.sums[y] - E
        cen = (E * _l2(rest)).sum(1)
        ok = self.counts[y] > 1
        return (self.alpha * mx + (1 - self.alpha) * cen)[ok]

    def calibrate_threshold(self, percentile: float | None = None) -> float:
        q = self.percentile if percentile is None else percentile
        self.threshold = float(np.percentile(self.loo_scores(), q))
        return self.threshold
