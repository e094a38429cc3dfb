"""Measures kind classifiers on kind.jsonl (built by build.py): the rules, and logistic regressions
on sentence embeddings trained on kinds.yaml and/or the dev split, alone and combined with the rules.

    OMP_NUM_THREADS=1 python evaluate.py [--data kind.jsonl]
        [--embedder service|minilm-own+use|use-multilingual]

Prints, per method, per-kind precision / recall / F1, macro-F1 and the confusion matrix on test (and the
dev figures that chose the settings), on the whole set and on the forum source alone.
Every choice (L2, thresholds, biases) is made on dev; test is only read to report.
"""

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SERVICE = HERE.parents[1]
sys.path[:0] = [str(SERVICE), str(HERE)]

from terrain_contracts.events.feedback import FeedbackCategory  # noqa: E402
from terrain_insights.domain.classify.category import categorize  # noqa: E402
from terrain_insights.domain.classify.fewshot import softmax_regression  # noqa: E402
from terrain_insights.domain.classify.kind import KINDS, KindModel, load_examples  # noqa: E402

KINDS_YAML = SERVICE / "terrain_insights" / "domain" / "classify" / "kinds.yaml"
NAMES = [k.value for k in KINDS]
K = len(KINDS)


# ---------------------------------------------------------------- metrics
def report(name: str, gold: list[int], pred: list[int], show: bool = True) -> float:
    gold, pred = np.asarray(gold), np.asarray(pred)
    cm = np.zeros((K, K), int)
    np.add.at(cm, (gold, pred), 1)
    f1s = []
    lines = []
    for i, kind in enumerate(NAMES):
        tp, fp, fn = cm[i, i], cm[:, i].sum() - cm[i, i], cm[i, :].sum() - cm[i, i]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        if cm[i, :].sum():  # a kind absent from the gold set does not count in the macro average
            f1s.append(f)
        lines.append(f"  {kind:16s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  (n={cm[i, :].sum()})")
    macro = float(np.mean(f1s))
    if show:
        print(f"{name}: macro-F1 {macro:.3f}  accuracy {np.mean(gold == pred):.3f}  n={len(gold)}")
        print("\n".join(lines))
        print("  confusion (rows gold, columns predicted): " + " ".join(n[:8] for n in NAMES))
        for i, kind in enumerate(NAMES):
            print(f"  {kind:16s} " + " ".join(f"{v:8d}" for v in cm[i]))
    return macro


def macro_f1(gold, pred) -> float:
    return report("", gold, pred, show=False)


# ---------------------------------------------------------------- embeddings
def get_embedder(kind: str):
    if kind == "service":
        from terrain_insights.domain.classify.embedding import encoder

        return encoder().embed
    sys.path.insert(0, str(SERVICE / "evaluation" / "embeddings"))
    from embedder import Embedder

    return Embedder(kind).embed


def embed_cached(embed, name: str, texts: list[str]) -> np.ndarray:
    key = hashlib.sha1(("\n".join(texts) + name).encode()).hexdigest()[:16]
    path = HERE / "cache" / f"{name}-{key}.npy"
    if path.exists():
        return np.load(path)
    path.parent.mkdir(exist_ok=True)
    vectors = np.asarray(embed(texts), np.float32)
    np.save(path, vectors)
    return vectors


# ---------------------------------------------------------------- methods
def rules(texts):
    return [KINDS.index(categorize(t)[0]) for t in texts]


def rules_full(texts):
    return [categorize(t) for t in texts]


def lr_predict(w, b, x, bias=None):
    z = x @ w + b + (0 if bias is None else bias)
    return z.argmax(1)


def lr_probs(w, b, x, bias=None):
    z = x @ w + b + (0 if bias is None else bias)
    p = np.exp(z - z.max(1, keepdims=True))
    return p / p.sum(1, keepdims=True)


BIAS_GRID = np.linspace(-3, 3, 25)


def tune_bias(w, b, x, y, rounds=3, grid=BIAS_GRID):
    """Per-kind logit offsets maximising macro-F1 on (x, y): coordinate search, dev only."""
    bias = np.zeros(K, np.float32)
    best = macro_f1(y, lr_predict(w, b, x, bias))
    for _ in range(rounds):
        for k in range(K):
            for v in grid:
                trial = bias.copy()
                trial[k] = v
                score = macro_f1(y, lr_predict(w, b, x, trial))
                if score > best + 1e-9:
                    best, bias = score, trial
    return bias, best


def cv_l2(x, y, l2s, folds=5, seed=0):
    """Choose L2 for a dev-trained regression by k-fold cross-validation inside dev."""
    rng = np.random.default_rng(seed)
    fold = rng.permutation(len(y)) % folds
    scores = {}
    for l2 in l2s:
        preds = np.zeros(len(y), int)
        for f in range(folds):
            tr, te = fold != f, fold == f
            w, b = softmax_regression(x[tr], y[tr], K, l2)
            preds[te] = lr_predict(w, b, x[te])
        scores[l2] = macro_f1(y, preds)
    return max(scores, key=scores.get), scores


def hybrid(texts, emb_pred, rule_out, threshold, question_mark):
    """Rules where they are sure, embeddings elsewhere."""
    out = []
    for t, e, (kind, conf) in zip(texts, emb_pred, rule_out, strict=True):
        silent = kind is FeedbackCategory.feature_request and conf == 0.2
        if question_mark and "?" in t and kind is FeedbackCategory.question:
            out.append(KINDS.index(kind))
        elif threshold is not None and not silent and conf >= threshold:
            out.append(KINDS.index(kind))
        else:
            out.append(int(e))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=HERE / "kind.jsonl")
    parser.add_argument("--embedder", default="service")
    args = parser.parse_args()

    records = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines()]
    texts = [r["text"] for r in records]
    gold = np.array([NAMES.index(r["kind"]) for r in records])
    split = np.array([r["split"] for r in records])
    source = np.array([r["source"] for r in records])
    dev, test = split == "dev", split == "test"
    forum = source == "tizard2019-forum"
    examples = load_examples(KINDS_YAML)
    ex_texts = [t for k in KINDS for t in examples[k]]
    ex_y = np.array([i for i, k in enumerate(KINDS) for _ in examples[k]])
    print(
        f"data: {len(records)} items ({dev.sum()} dev, {test.sum()} test); "
        f"kinds.yaml: {len(ex_texts)} examples"
    )

    # ------------------------------------------------ cost
    t0 = time.perf_counter()
    embed = get_embedder(args.embedder)
    load_s = time.perf_counter() - t0
    embed(["warm up"])
    sample = texts[:400]
    t0 = time.perf_counter()
    embed(sample)
    batched_ms = (time.perf_counter() - t0) / len(sample) * 1000
    t0 = time.perf_counter()
    for t in sample[:60]:
        embed([t])
    single_ms = (time.perf_counter() - t0) / 60 * 1000
    t0 = time.perf_counter()
    for t in texts:
        categorize(t)
    rules_ms = (time.perf_counter() - t0) / len(texts) * 1000

    x = embed_cached(embed, args.embedder, texts)
    ex_x = embed_cached(embed, args.embedder, ex_texts)
    t0 = time.perf_counter()
    model = KindModel(ex_x, [KINDS[i] for i in ex_y])
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(20):
        model.probabilities(x)
    lr_ms = (time.perf_counter() - t0) / 20 / len(texts) * 1000
    print(
        f"cost ({args.embedder}): load {load_s:.2f} s; embedding {batched_ms:.2f} ms/item batched, "
        f"{single_ms:.2f} ms one text per call; regression {lr_ms:.4f} ms/item, "
        f"fit on kinds.yaml {fit_s:.2f} s; "
        f"rules {rules_ms:.3f} ms/item"
    )

    rule_out = rules_full(texts)
    rule_pred = np.array([KINDS.index(k) for k, _ in rule_out])
    results = {}

    def show(name, pred, dev_note=""):
        pred = np.asarray(pred)
        d_all, d_forum = macro_f1(gold[dev], pred[dev]), macro_f1(gold[dev & forum], pred[dev & forum])
        print()
        print(f"=== {name} {dev_note}")
        print(f"dev: macro-F1 all {d_all:.3f}, forum only {d_forum:.3f}")
        t_all = report("test, all sources", gold[test], pred[test])
        rng = np.random.default_rng(0)
        idx = np.flatnonzero(test)
        boot = [macro_f1(gold[s], pred[s]) for s in (rng.choice(idx, len(idx)) for _ in range(300))]
        print(
            "test, all sources: bootstrap 95% interval of macro-F1 "
            f"{np.percentile(boot, 2.5):.3f}-{np.percentile(boot, 97.5):.3f}"
        )
        t_forum = report("test, forum source only", gold[test & forum], pred[test & forum])
        three = np.array([0, 1, 2, 2, 2])  # bug, feature_request, other
        g3, p3 = three[gold[test]], three[pred[test]]
        f3 = []
        for c in range(3):
            tp, fp, fn = (
                np.sum((g3 == c) & (p3 == c)),
                np.sum((g3 != c) & (p3 == c)),
                np.sum((g3 == c) & (p3 != c)),
            )
            f3.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        print(
            f"test, 3 classes (bug / feature_request / other): macro-F1 {np.mean(f3):.3f}; "
            f"predicted feature_request for {np.mean(pred[test] == 1):.0%} of test items"
        )
        t_amazon = macro_f1(gold[test & ~forum], pred[test & ~forum])
        print(f"test, amazon source only (praise/complaint): macro-F1 {t_amazon:.3f}")
        results[name] = dict(dev_all=d_all, dev_forum=d_forum, test_all=t_all, test_forum=t_forum)

    # a. rules
    show("a. rules (categorize)", rule_pred)

    # b1. kinds.yaml regression, L2 chosen on dev
    best = None
    for l2 in (1e-4, 3e-4, 1e-3, 3e-3, 1e-2):
        w, b = softmax_regression(ex_x, ex_y, K, l2)
        score = macro_f1(gold[dev], lr_predict(w, b, x[dev]))
        print(f"  kinds.yaml LR l2={l2:g}: dev macro-F1 {score:.3f}")
        if best is None or score > best[0]:
            best = (score, l2, w, b)
    _, l2_yaml, w_y, b_y = best
    yaml_pred = lr_predict(w_y, b_y, x)
    show("b1. LR on kinds.yaml", yaml_pred, f"(l2={l2_yaml:g})")

    # b1'. centroid cosine on kinds.yaml
    cent = np.stack([ex_x[ex_y == k].mean(0) for k in range(K)])
    cent /= np.linalg.norm(cent, axis=1, keepdims=True)
    show("b1'. nearest centroid of kinds.yaml", (x @ cent.T).argmax(1))

    # b5. blend of the regression's probabilities and the centroid similarities (weight chosen on dev)
    p_y = lr_probs(w_y, b_y, x)
    sims = x @ cent.T
    s_c = np.exp(10 * (sims - sims.max(1, keepdims=True)))
    s_c /= s_c.sum(1, keepdims=True)
    blends = [
        (macro_f1(gold[dev], ((1 - g) * p_y + g * s_c)[dev].argmax(1)), g) for g in np.linspace(0, 1, 11)
    ]
    print("  blend dev macro-F1: " + ", ".join(f"{g:.1f}: {v:.3f}" for v, g in blends))
    g_best = max(blends)[1]
    show(
        "b5. LR + centroid blend on kinds.yaml",
        ((1 - g_best) * p_y + g_best * s_c).argmax(1),
        f"(weight {g_best:.1f})",
    )

    # b2. kinds.yaml LR + per-kind biases tuned on dev
    bias, _ = tune_bias(w_y, b_y, x[dev], gold[dev])
    show(
        "b2. LR on kinds.yaml + dev-tuned biases",
        lr_predict(w_y, b_y, x, bias),
        f"(biases {np.round(bias, 2).tolist()})",
    )

    # b3. LR trained on the dev split (L2 by 5-fold CV in dev)
    l2_dev, cv = cv_l2(x[dev], gold[dev], (1e-4, 1e-3, 1e-2))
    w_d, b_d = softmax_regression(x[dev], gold[dev], K, l2_dev)
    dev_pred = lr_predict(w_d, b_d, x)
    cv_note = ", ".join(f"{k:g}: {v:.3f}" for k, v in cv.items())
    print(f"\n  dev-trained LR, 5-fold CV macro-F1 in dev: {cv_note}")
    show("b3. LR on the dev split (dev figures are in-sample)", dev_pred, f"(l2={l2_dev:g})")

    # b4. dev + kinds.yaml
    w_dy, b_dy = softmax_regression(np.vstack([x[dev], ex_x]), np.r_[gold[dev], ex_y], K, l2_dev)
    show("b4. LR on dev + kinds.yaml (dev figures are in-sample)", lr_predict(w_dy, b_dy, x))

    # c. hybrids with the rules (embedding part: kinds.yaml LR + biases, which is what the service can ship)
    emb = lr_predict(w_y, b_y, x, bias)
    choices = []
    for qm in (False, True):
        for th in (None, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
            pred = hybrid(texts, emb, rule_out, th, qm)
            choices.append((macro_f1(gold[dev], np.asarray(pred)[dev]), qm, th))
            print(f"  hybrid question_mark={qm} rule_confidence>={th}: dev macro-F1 {choices[-1][0]:.3f}")
    _, qm, th = max(choices, key=lambda c: c[0])
    show(
        "c1. rules when sure + kinds.yaml LR (+biases)",
        hybrid(texts, emb, rule_out, th, qm),
        f"(question_mark={qm}, rule_confidence>={th}, chosen on dev)",
    )
    emb_nb = lr_predict(w_y, b_y, x)
    show("c2. same without the biases", hybrid(texts, emb_nb, rule_out, th, qm))
    # c3. hybrid over the dev-trained regression (for reference)
    show("c3. rules when sure + dev-trained LR", hybrid(texts, dev_pred, rule_out, th, qm))

    # d. the service's code, end to end (terrain_insights.domain.classify.kind): must equal c2
    t0 = time.perf_counter()
    proposed = KindModel(embed_cached(embed, args.embedder, ex_texts), [KINDS[i] for i in ex_y])
    out = proposed.kinds(x, texts)
    kind_of_ms = (time.perf_counter() - t0) / len(texts) * 1000
    show(
        "d. the service's KindModel.kinds()",
        [KINDS.index(k) for k, _ in out],
        f"({kind_of_ms:.3f} ms/item on top of the embedding, fit included)",
    )

    # French half of kinds.yaml: trained on the English examples only, how are the French ones classified
    # (and the other way round)? A sanity check of the cross-lingual encoder,
    # not a measure of French feedback.
    fr_texts = {t for ts in load_examples(KINDS_YAML, ("fr",)).values() for t in ts}
    fr = np.array([t in fr_texts for t in ex_texts])
    for train_mask, name in ((~fr, "EN -> FR"), (fr, "FR -> EN")):
        w_l, b_l = softmax_regression(ex_x[train_mask], ex_y[train_mask], K, l2_yaml)
        acc = np.mean(lr_predict(w_l, b_l, ex_x[~train_mask]) == ex_y[~train_mask])
        print(f"kinds.yaml {name}: accuracy {acc:.3f} on {int((~train_mask).sum())} examples")

    print("\nsummary (macro-F1): method | dev all | dev forum | test all | test forum")
    for name, r in results.items():
        print(
            f"  {name:55s} {r['dev_all']:.3f}  {r['dev_forum']:.3f}  "
            f"{r['test_all']:.3f}  {r['test_forum']:.3f}"
        )


if __name__ == "__main__":
    main()
