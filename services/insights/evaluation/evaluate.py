"""Scores classifications against the labelled set, and compares theme-scoring methods.

Score what the offline commands wrote:

    terrain-classify --taxonomy taxonomy.yaml --input labelled.jsonl --output /tmp/classified.jsonl
    python evaluate.py score --predictions /tmp/classified.jsonl
    terrain-cluster --input labelled.jsonl --output /tmp/clusters.jsonl
    python evaluate.py clusters --predictions /tmp/clusters.jsonl

Every figure of the README's classification section: ``run.py`` beside this file.
"""

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

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
    for name in ("score", "clusters"):
        commands.add_parser(name).add_argument("--predictions", type=Path, required=True)
    args = parser.parse_args()
    {"score": score, "clusters": clusters}[args.command](args)


if __name__ == "__main__":
    main()
