"""Every classification figure of the insights README, measured through the service's own code path
(:class:`terrain_insights.domain.classify.Classifier` and ``cluster_texts``, the ones the consumer, the
replay and the offline commands use), on data the settings were not tuned on.

    OMP_NUM_THREADS=1 .venv/bin/python services/insights/evaluation/run.py [--seeds 0 1 2 3 4] [--only ...]

Sections (``--only``): clinc (themes and unassigned, whole curve), corrections, french, product, kind,
cluster, cost. Data: CLINC150 (CC BY 3.0) from ``../shared/eval-data/clinc150`` beside the repository or
``$CLINC150``; the French set in ``french/``; the product-feedback set ``labelled.jsonl``; the kind set in
``kind/``. Texts are embedded once per section and handed to the classifier (``classify_many(texts,
vectors)``), which is what it does with them itself.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from terrain_insights.domain.classify import Classifier
from terrain_insights.domain.classify.cluster import cluster_texts
from terrain_insights.domain.classify.embedding import encoder
from terrain_insights.domain.taxonomy import Taxonomy, from_yaml

HERE = Path(__file__).resolve().parent
CLINC = Path(os.environ.get("CLINC150") or HERE.parents[3] / "shared/eval-data/clinc150") / "data_full.json"
DOMAINS = CLINC.parent / "domains.json"
EXAMPLES_PER_THEME = 10


def clinc() -> dict:
    return json.loads(CLINC.read_text(encoding="utf-8"))


def sampled_examples(train: list, seed: int, per_intent: int = EXAMPLES_PER_THEME) -> dict[str, list[str]]:
    """The examples of each intent, drawn as the research did (intents sorted, one generator per seed)."""
    by_intent = defaultdict(list)
    for text, intent in train:
        by_intent[intent].append(text)
    rng = random.Random(seed)
    return {
        intent: [by_intent[intent][i] for i in rng.sample(range(len(by_intent[intent])), per_intent)]
        for intent in sorted(by_intent)
    }


def taxonomy_of(examples: dict[str, list[str]]) -> Taxonomy:
    """One area per CLINC domain, one theme per intent (as the data set's README says to measure)."""
    domains = json.loads(DOMAINS.read_text(encoding="utf-8"))
    area_of = {intent: domain for domain, intents in domains.items() for intent in intents}
    areas: dict[str, list] = defaultdict(list)
    for intent, texts in examples.items():
        areas[area_of.get(intent, "other")].append({"slug": intent, "name": intent, "examples": texts})
    return Taxonomy.model_validate(
        {"areas": [{"slug": a, "name": a, "themes": themes} for a, themes in sorted(areas.items())]}
    )


def predict(classifier: Classifier, texts: list[str], vectors: np.ndarray) -> tuple[list, np.ndarray]:
    """The likeliest theme of each text (no threshold) and its similarity."""
    strict, classifier.threshold = classifier.threshold, 0.0
    try:
        results = classifier.classify_many(texts, vectors)
    finally:
        classifier.threshold = strict
    return [r.theme.theme if r.theme else None for r in results], np.array([r.best_score for r in results])


def section_clinc(data: dict, vectors: dict, seeds: list[int]) -> None:
    print("\n## CLINC150: themes (10 examples per intent from train), 4,500 in-scope test + 1,000 oos_test")
    print("seed  accuracy  threshold  in-scope assigned  oos unassigned  assigned & correct")
    rows = []
    for seed in seeds:
        classifier = Classifier(taxonomy_of(sampled_examples(data["train"], seed)))
        themes, score = predict(classifier, [t for t, _ in data["test"]], vectors["test"])
        _, oos_score = predict(classifier, [t for t, _ in data["oos_test"]], vectors["oos_test"])
        gold = [i for _, i in data["test"]]
        correct = np.array([p == g for p, g in zip(themes, gold, strict=True)])
        assigned = score >= classifier.threshold
        row = (
            correct.mean(),
            classifier.threshold,
            assigned.mean(),
            (oos_score < classifier.threshold).mean(),
            (correct & assigned).mean(),
        )
        rows.append(row)
        print(
            f"{seed:>4}  {row[0]:.4f}    {row[1]:.3f}      {row[2]:.3f}              {row[3]:.3f}"
            f"           {row[4]:.3f}"
        )
        if seed == seeds[0]:
            curve = (score, oos_score, correct)
    mean = np.mean(rows, axis=0)
    print(
        f"mean  {mean[0]:.4f}    {mean[1]:.3f}      {mean[2]:.3f}              {mean[3]:.3f}"
        f"           {mean[4]:.3f}"
    )
    score, oos_score, correct = curve
    print(f"\nwhole curve, seed {seeds[0]}: threshold, in-scope assigned, assigned & correct, oos unassigned")
    for threshold in np.arange(0.20, 0.70, 0.025):
        assigned = score >= threshold
        print(
            f"  {threshold:.3f}  {assigned.mean():.3f}  {(assigned & correct).mean():.3f}  "
            f"{(oos_score < threshold).mean():.3f}"
        )


def section_corrections(data: dict, vectors: dict, seed: int) -> None:
    print("\n## Corrections: 2 per theme fed back (val items the classifier got wrong first), seed", seed)
    examples = sampled_examples(data["train"], seed)
    taxonomy = taxonomy_of(examples)
    val_texts = [t for t, _ in data["val"]]
    test_texts, gold = [t for t, _ in data["test"]], [i for _, i in data["test"]]
    before = Classifier(taxonomy)
    val_themes, _ = predict(before, val_texts, vectors["val"])
    chosen: dict[str, list[str]] = defaultdict(list)
    for wrong_first in (True, False):
        for (text, intent), got in zip(data["val"], val_themes, strict=True):
            if (got != intent) == wrong_first and len(chosen[intent]) < 2 and text not in chosen[intent]:
                chosen[intent].append(text)
    after = Classifier(taxonomy, learned=chosen)
    for name, classifier in (("before", before), ("after", after)):
        themes, score = predict(classifier, test_texts, vectors["test"])
        _, oos = predict(classifier, [t for t, _ in data["oos_test"]], vectors["oos_test"])
        accuracy = np.mean([p == g for p, g in zip(themes, gold, strict=True)])
        print(
            f"  {name:<6} accuracy {accuracy:.4f}, threshold {classifier.threshold:.3f}, in-scope assigned "
            f"{(score >= classifier.threshold).mean():.3f}, "
            f"oos unassigned {(oos < classifier.threshold).mean():.3f}"
        )


def section_french(data: dict) -> None:
    sys.path.insert(0, str(HERE / "french"))
    from load import english_examples, examples, oos_items, test_items  # the French set's loader

    print("\n## French set (evaluation/french: 16 CLINC intents translated, 320 tests, 60 out-of-scope)")
    fr_tests = test_items()
    intents = set(examples())
    en_tests = [(t, i) for t, i in data["test"] if i in intents]
    texts = {"fr": [t for t, _ in fr_tests], "en": [t for t, _ in en_tests], "oos": list(oos_items())}
    vectors = {k: encoder().embed(v) for k, v in texts.items()}
    gold = {"fr": [i for _, i in fr_tests], "en": [i for _, i in en_tests]}
    for name, ex in (("French examples", examples()), ("English examples", english_examples())):
        classifier = Classifier(taxonomy_of(ex))
        _, oos = predict(classifier, texts["oos"], vectors["oos"])
        for language in ("fr", "en"):
            themes, score = predict(classifier, texts[language], vectors[language])
            accuracy = np.mean([p == g for p, g in zip(themes, gold[language], strict=True)])
            print(
                f"  {name:<16} -> {language} tests ({len(themes)}): accuracy {accuracy:.3f}, "
                f"assigned {(score >= classifier.threshold).mean():.3f}"
            )
        print(
            f"  {name:<16} -> French out-of-scope unassigned {(oos < classifier.threshold).mean():.3f} "
            f"(threshold {classifier.threshold:.3f})"
        )


def section_product() -> None:
    print("\n## Product feedback (evaluation/labelled.jsonl: 14 themes, hand-written EN/FR items)")
    taxonomy = from_yaml((HERE / "taxonomy.yaml").read_text(encoding="utf-8"))
    items = [json.loads(line) for line in (HERE / "labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    classifier = Classifier(taxonomy)
    results = classifier.classify_many([i["text"] for i in items])
    for split in ("dev", "test"):
        for language in ("en", "fr"):
            chosen = [
                (i, r)
                for i, r in zip(items, results, strict=True)
                if i["split"] == split and i["language"] == language
            ]
            right = sum((r.theme.theme if r.theme else None) == i["theme"] for i, r in chosen)
            print(
                f"  {split:<4} {language}: {len(chosen)} items, theme accuracy (unassigned a class) "
                f"{right / len(chosen):.3f}"
            )


def nmi(a: list, b: list) -> float:
    """Normalised mutual information, arithmetic mean of the entropies (scikit-learn's default)."""
    a_ids, b_ids = np.unique(a, return_inverse=True)[1], np.unique(b, return_inverse=True)[1]
    joint = np.zeros((a_ids.max() + 1, b_ids.max() + 1))
    np.add.at(joint, (a_ids, b_ids), 1)
    p = joint / len(a)
    pa, pb = p.sum(1), p.sum(0)
    nz = p > 0
    mutual = (p[nz] * np.log(p[nz] / np.outer(pa, pb)[nz])).sum()
    entropy = -(pa[pa > 0] * np.log(pa[pa > 0])).sum() - (pb[pb > 0] * np.log(pb[pb > 0])).sum()
    return float(2 * mutual / entropy) if entropy else 1.0


def section_cluster(data: dict, vectors: dict) -> None:
    print("\n## Emerging themes: cluster_texts on the 4,500 in-scope test queries (K unknown)")
    texts, gold = [t for t, _ in data["test"]], [i for _, i in data["test"]]
    started = time.process_time()
    clusters = cluster_texts(texts, vectors["test"])
    seconds = time.process_time() - started
    found = ["noise"] * len(texts)
    for c in clusters:
        for member in c.members:
            found[member] = f"c{c.number}"
    clustered = sum(f != "noise" for f in found) / len(texts)
    print(
        f"  {len(clusters)} clusters, {clustered:.3f} of items clustered, NMI {nmi(gold, found):.3f} "
        f"(noise as one group), {seconds:.1f} s CPU (linkage and labels)"
    )
    for c in clusters[:5]:
        top = Counter(gold[m] for m in c.members).most_common(2)
        print(f"  cluster {c.number}: {len(c.members)} items, label {c.label_terms}, mostly {top}")


def section_cost(data: dict) -> None:
    print("\n## Cost (CPU time, one thread per model)")
    check = subprocess.run(
        [sys.executable, "-m", "terrain_insights.cli.model", "check"],
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"  a fresh process: {check.stdout.strip()}")
    classifier = Classifier(taxonomy_of(sampled_examples(data["train"], 0)))
    texts = [t for t, _ in data["test"][:1000]]
    started = time.process_time()
    for start in range(0, len(texts), 256):
        classifier.classify_many(texts[start : start + 256])
    batched = (time.process_time() - started) / len(texts) * 1000
    started = time.process_time()
    for text in texts[:300]:
        classifier.classify(text)
    single = (time.process_time() - started) / 300 * 1000
    started = time.process_time()
    Classifier(taxonomy_of(sampled_examples(data["train"], 1)))
    fit = time.process_time() - started
    print(
        f"  classify (embed + themes + kind + sentiment): {batched:.2f} ms/item in batches of 256, "
        f"{single:.2f} ms for one text per call; a classifier for 150 themes x 10 new examples: {fit:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    sections = ["clinc", "corrections", "french", "product", "kind", "cluster", "cost"]
    parser.add_argument("--only", nargs="+", choices=sections, default=sections)
    args = parser.parse_args()
    data = clinc()
    started = time.monotonic()
    needs = {"clinc", "corrections", "cluster"} & set(args.only)
    splits = ["test", "oos_test"] + (["val"] if "corrections" in args.only else [])
    vectors = {s: encoder().embed([t for t, _ in data[s]]) for s in splits} if needs else {}
    print(
        f"(embedded {sum(len(v) for v in vectors.values())} CLINC texts "
        f"in {time.monotonic() - started:.0f} s)"
    )
    if "clinc" in args.only:
        section_clinc(data, vectors, args.seeds)
    if "corrections" in args.only:
        section_corrections(data, vectors, args.seeds[0])
    if "french" in args.only:
        section_french(data)
    if "product" in args.only:
        section_product()
    if "kind" in args.only:
        sys.path.insert(0, str(HERE / "kind"))
        import evaluate as kind_evaluation  # the kind set's own scoring (it reads kind/kind.jsonl)

        print("\n## Kind (evaluation/kind: public forum sentences and product reviews; its README)")
        sys.argv = [str(HERE / "kind" / "evaluate.py")]
        kind_evaluation.main()
    if "cluster" in args.only:
        section_cluster(data, vectors)
    if "cost" in args.only:
        section_cost(data)


if __name__ == "__main__":
    main()
