"""Precision and recall of near-duplicate links, and accuracy of language detection, on the labelled sample.

    .venv/bin/python -m terrain_dev.bench.feedback_quality [--threshold 0.45]

The sample (``feedback_sample``) is hand-written: needs of eight product areas
in English and four in French, each as the customer wrote it and as a rep
re-told it, plus copies with notes and typos (positives) and other needs of the
same area or other areas (negatives). Prints a table over thresholds.
"""

import argparse
from collections import Counter
from dataclasses import dataclass

from terrain_feedback.domain.similarity import signature, similarity, trigrams
from terrain_kit.text import detect_language

from .feedback_sample import labelled_pairs, language_sample


@dataclass(frozen=True)
class Quality:
    threshold: float
    precision: float
    recall: float
    true_positives: int
    false_positives: int
    false_negatives: int


def scores() -> list[tuple[float, bool, str]]:
    return [
        (similarity(trigrams(signature(a)), trigrams(signature(b))), same, how)
        for a, b, same, how in labelled_pairs()
    ]


def quality(threshold: float, scored: list[tuple[float, bool, str]] | None = None) -> Quality:
    scored = scored if scored is not None else scores()
    tp = sum(1 for s, same, _ in scored if s >= threshold and same)
    fp = sum(1 for s, same, _ in scored if s >= threshold and not same)
    fn = sum(1 for s, same, _ in scored if s < threshold and same)
    return Quality(threshold, tp / max(1, tp + fp), tp / max(1, tp + fn), tp, fp, fn)


def language_accuracy() -> tuple[float, float, int]:
    """(accuracy where it answered, share it left unknown, texts)."""
    sample = language_sample()
    answers = [(detect_language(text), language) for text, language in sample]
    answered = [(got, want) for got, want in answers if got is not None]
    correct = sum(1 for got, want in answered if got == want)
    return correct / max(1, len(answered)), 1 - len(answered) / len(sample), len(sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threshold", type=float, default=0.45)
    chosen = parser.parse_args().threshold
    scored = scores()
    kinds = Counter(same for _, same, _ in scored)
    print(f"labelled pairs: {len(scored)} ({kinds[True]} same need, {kinds[False]} different needs)")
    print("threshold  precision  recall   tp   fp   fn")
    for threshold in sorted({0.35, 0.45, 0.5, 0.55, 0.6, 0.65, 0.75, chosen}):
        q = quality(threshold, scored)
        mark = "  <- chosen" if threshold == chosen else ""
        print(
            f"   {threshold:.2f}      {q.precision:.3f}    {q.recall:.3f}  {q.true_positives:>4} "
            f"{q.false_positives:>4} {q.false_negatives:>4}{mark}"
        )
    misses = Counter(how for s, same, how in scored if same and s < chosen)
    false = Counter(how for s, same, how in scored if not same and s >= chosen)
    print(f"missed at {chosen}: {dict(misses)}; wrongly linked: {dict(false)}")
    accuracy, unknown, texts = language_accuracy()
    print(
        f"language (en/fr), {texts} texts: accuracy {accuracy:.3f} where it answered, "
        f"left unknown {unknown:.3f}"
    )


if __name__ == "__main__":
    main()
