"""The kind of an item (bug, feature request, question, praise, complaint) from its embedding: a softmax
regression over the hand-written English and French examples of ``kinds.yaml``, plus one rule kept from the
cue phrases (:mod:`.category`): a text with a question mark that the cues read as a question is a question.

Measured on 1,975 public support-forum sentences and product reviews (evaluation/kind/README.md): macro-F1
0.741 on its test half, against 0.347 for the cue phrases alone, which remain the kind of an item only
through that rule. The regularisation (L2) was chosen on the dev half. Adding examples to ``kinds.yaml`` is
how a kind is corrected; Product Ops' kind corrections stay on their item.
"""

from functools import cache
from pathlib import Path

import numpy as np
import yaml
from terrain_contracts.events.feedback import FeedbackCategory

from .category import categorize
from .embedding import encoder
from .fewshot import softmax, softmax_regression

KINDS: tuple[FeedbackCategory, ...] = tuple(FeedbackCategory)
QUESTION = KINDS.index(FeedbackCategory.question)
L2 = 1e-2
EXAMPLES = Path(__file__).with_name("kinds.yaml")


def load_examples(
    path: Path = EXAMPLES, languages: tuple[str, ...] = ("en", "fr")
) -> dict[FeedbackCategory, list[str]]:
    """``kinds: {kind: {en: [...], fr: [...]}}`` as the examples of each kind in ``languages``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples = {
        FeedbackCategory(kind): [str(text) for lang in languages for text in by_language.get(lang) or []]
        for kind, by_language in data["kinds"].items()
    }
    missing = [kind.value for kind in KINDS if not examples.get(kind)]
    if missing:
        raise ValueError(f"{path.name} has no examples for {missing}")
    return examples


class KindModel:
    def __init__(self, vectors: np.ndarray, labels: list[FeedbackCategory]) -> None:
        y = np.array([KINDS.index(label) for label in labels])
        self.w, self.b = softmax_regression(np.asarray(vectors, np.float32), y, len(KINDS), L2)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        return softmax(np.asarray(vectors, np.float32) @ self.w + self.b)

    def kinds(self, vectors: np.ndarray, texts: list[str]) -> list[tuple[FeedbackCategory, float]]:
        """The kind of each text with the regression's probability (the rule's confidence when larger)."""
        if not texts:
            return []
        out: list[tuple[FeedbackCategory, float]] = []
        for row, text in zip(self.probabilities(vectors), texts, strict=True):
            if "?" in text:
                kind, confidence = categorize(text)
                if kind is FeedbackCategory.question:
                    out.append((kind, round(max(float(confidence), float(row[QUESTION])), 3)))
                    continue
            best = int(row.argmax())
            out.append((KINDS[best], round(float(row[best]), 3)))
        return out


@cache
def kind_model() -> KindModel:
    """The process's kind model (fitted in a fraction of a second on the examples' cached embeddings)."""
    examples = load_examples()
    texts = [text for kind in KINDS for text in examples[kind]]
    labels = [kind for kind in KINDS for _ in examples[kind]]
    return KindModel(encoder().embed_cached(texts), labels)
