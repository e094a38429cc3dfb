"""Candidate for the service: the kind of feedback from sentence embeddings, taught by kinds.yaml.

Measured by evaluate.py (README.md). Meant to move to terrain_insights/domain/classify/ as is; it only
needs numpy, PyYAML, the FeedbackCategory enum, ``categorize`` (the rules) and vectors from the service's
encoder (``encoder().embed(texts)``: L2-normalised rows).

    kinds = KindModel.from_yaml(KINDS_YAML, encoder().embed)  # once per process (fit 0.05-0.07 s + embedding)
    kinds.kind_of(vectors, texts) -> [(FeedbackCategory, confidence), ...]

Design (README.md says what was tried and measured):
- a multinomial logistic regression over the hand-written examples of kinds.yaml (EN + FR), L2 chosen on dev;
- one rule kept: a text with a "?" that the rules read as a question is a question.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from terrain_contracts.events.feedback import FeedbackCategory
from terrain_insights.domain.classify.category import categorize

KINDS: tuple[FeedbackCategory, ...] = (
    FeedbackCategory.bug,
    FeedbackCategory.feature_request,
    FeedbackCategory.question,
    FeedbackCategory.praise,
    FeedbackCategory.complaint,
)
QUESTION = KINDS.index(FeedbackCategory.question)
L2 = 1e-2  # chosen on the dev split among 1e-4 .. 1e-2
SCALE = 10.0
ITERATIONS = 500
LEARNING_RATE = 0.03


def softmax_regression(x: np.ndarray, y: np.ndarray, k: int, l2: float = L2) -> tuple[np.ndarray, np.ndarray]:
    """Weights (d, k) and biases (k,); rows of x of norm 1 (full-batch Adam, cosines x SCALE as inputs)."""
    n, d = x.shape
    xs = (x * SCALE).astype(np.float32)
    w, b = np.zeros((d, k), np.float32), np.zeros(k, np.float32)
    target = np.zeros((n, k), np.float32)
    target[np.arange(n), y] = 1.0
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    beta1, beta2 = 0.9, 0.999
    for t in range(1, ITERATIONS + 1):
        z = xs @ w + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        gradient = (p / p.sum(axis=1, keepdims=True) - target) / n
        g_w, g_b = xs.T @ gradient + l2 * w, gradient.sum(axis=0)
        m_w, m_b = beta1 * m_w + (1 - beta1) * g_w, beta1 * m_b + (1 - beta1) * g_b
        v_w, v_b = beta2 * v_w + (1 - beta2) * g_w * g_w, beta2 * v_b + (1 - beta2) * g_b * g_b
        c1, c2 = 1 - beta1**t, 1 - beta2**t
        w -= LEARNING_RATE * (m_w / c1) / (np.sqrt(v_w / c2) + 1e-8)
        b -= LEARNING_RATE * (m_b / c1) / (np.sqrt(v_b / c2) + 1e-8)
    return w * SCALE, b


def load_examples(path: Path, languages: tuple[str, ...] = ("en", "fr")) -> dict[FeedbackCategory, list[str]]:
    """kinds.yaml: ``kinds: {kind: {en: [...], fr: [...]}}`` -> {kind: examples of those languages}."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    examples = {
        FeedbackCategory(kind): [str(t) for lang in languages for t in (by_lang.get(lang) or [])]
        for kind, by_lang in data["kinds"].items()
    }
    missing = [k for k in KINDS if not examples.get(k)]
    if missing:
        raise ValueError(f"kinds.yaml has no examples for {missing}")
    return examples


@dataclass
class KindModel:
    w: np.ndarray
    b: np.ndarray

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: list[FeedbackCategory], l2: float = L2) -> "KindModel":
        y = np.array([KINDS.index(label) for label in labels])
        w, b = softmax_regression(np.asarray(vectors, np.float32), y, len(KINDS), l2)
        return cls(w, b)

    @classmethod
    def from_yaml(cls, path: Path, embed: Callable[[list[str]], np.ndarray]) -> "KindModel":
        examples = load_examples(path)
        texts = [t for kind in KINDS for t in examples[kind]]
        labels = [kind for kind in KINDS for _ in examples[kind]]
        return cls.fit(embed(texts), labels)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        z = np.asarray(vectors, np.float32) @ self.w + self.b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        return p / p.sum(axis=1, keepdims=True)

    def kind_of(self, vectors: np.ndarray, texts: list[str]) -> list[tuple[FeedbackCategory, float]]:
        """The kind of each text and a confidence in 0..1.

        The regression picks the kind (confidence: its probability). One rule stays: a text with a
        question mark that the rules also read as a question is a question (confidence: the larger of
        the rules' and the regression's).
        """
        if not len(texts):
            return []
        p = self.probabilities(vectors)
        out = []
        for row, text in zip(p, texts, strict=True):
            if "?" in text:
                kind, confidence = categorize(text)
                if kind is FeedbackCategory.question:
                    out.append((kind, round(max(float(confidence), float(row[QUESTION])), 3)))
                    continue
            best = int(row.argmax())
            out.append((KINDS[best], round(float(row[best]), 3)))
        return out
