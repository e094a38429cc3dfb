"""CLINC150 protocol on cached embeddings (run cache_embeddings.py first).

10 examples per intent from `train` (random.Random(seed).sample over each
intent's train queries, intents in sorted order); accuracy without threshold
on the 4,500 `test` queries; threshold calibrated from the examples
(leave-one-out percentile) -> in-scope assigned % and oos_test unassigned %.

OMP_NUM_THREADS=1 $VENV/bin/python eval_clinc.py [--seeds 0 1 2 3 4] [--tune]

Measures the figures of FINDINGS.md, Goals 1 and 2 (accuracy, threshold, whole curve).
Needs: numpy; reads the embedding cache. Data: CLINC150 (CC BY 3.0) from ../shared/eval-data/clinc150
next to the repository, or the file named by $CLINC150.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python eval_clinc.py --kinds minilm-int8-own use-multilingual \\
        --seeds 0 1 2 3 4 --curve
"""

from __future__ import annotations

import argparse
import json
import os
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
from fewshot import FewShotClassifier, _l2

# CLINC150 (CC BY 3.0): ../shared/eval-data/clinc150 next to the repository, or $CLINC150.
DATA = Path(
    os.environ.get("CLINC150")
    or Path(__file__).resolve().parents[4].parent / "shared/eval-data/clinc150/data_full.json"
)
# Embedding cache written by cache_embeddings.py, git-ignored: never commit it.
CACHE = Path(__file__).resolve().parent / "cache"


def load():
    return json.loads(DATA.read_text())


def sample_indices(train, per_intent=10, seed=0):
    by = defaultdict(list)
    for i, (_, intent) in enumerate(train):
        by[intent].append(i)
    rng = random.Random(seed)
    themes = sorted(by)
    idx, y = [], []
    for k, t in enumerate(themes):
        pick = rng.sample(by[t], per_intent)
        idx += pick
        y += [k] * per_intent
    return np.array(idx), np.array(y), themes


def features(kinds):
    """Concatenate the cached embeddings of several backends (each L2-normed, then the whole)."""
    parts = [np.load(CACHE / f"{k}.npz") for k in kinds]
    out = {}
    for split in ("train", "val", "test", "oos_val", "oos_test"):
        out[split] = _l2(np.hstack([p[split] for p in parts]))
    return out


def evaluate(F, d, seed=0, alpha=0.5, use_lr=True, l2=1e-3, percentile=10.0, curve=False):
    idx, y, themes = sample_indices(d["train"], seed=seed)
    clf = FewShotClassifier(alpha=alpha, use_lr=use_lr, l2=l2, percentile=percentile)
    clf.fit_vectors(F["train"][idx], y, themes)
    res = {}
    for split in ("val", "test"):
        gold = np.array([themes.index(t) for _, t in d[split]])
        pi, ps = clf.decide(F[split])
        res[f"{split}_acc"] = float((pi == gold).mean())
        res[f"{split}_scores"] = ps
        res[f"{split}_correct"] = pi == gold
    for split in ("oos_val", "oos_test"):
        res[f"{split}_scores"] = clf.decide(F[split])[1]
    thr = clf.calibrate_threshold()
    res["threshold"] = thr
    res["test_assigned"] = float((res["test_scores"] >= thr).mean())
    res["test_assigned_correct"] = float(((res["test_scores"] >= thr) & res["test_correct"]).mean())
    res["oos_test_unassigned"] = float((res["oos_test_scores"] < thr).mean())
    res["val_assigned"] = float((res["val_scores"] >= thr).mean())
    res["oos_val_unassigned"] = float((res["oos_val_scores"] < thr).mean())
    res["loo"] = clf.loo_scores()
    return res


def print_curve(res, lo=None, hi=None, steps=13):
    s_in, s_out = res["test_scores"], res["oos_test_scores"]
    lo = lo if lo is not None else float(np.percentile(s_out, 5))
    hi = hi if hi is not None else float(np.percentile(s_in, 40))
    print(
        f"{'threshold':>10} {'LOO pct':>8} {'in assigned':>12} "
        f"{'in assigned&correct':>20} {'oos unassigned':>15}"
    )
    for t in np.linspace(lo, hi, steps):
        print(
            f"{t:10.3f} {100 * (res['loo'] < t).mean():7.1f}% {100 * (s_in >= t).mean():11.1f}% "
            f"{100 * ((s_in >= t) & res['test_correct']).mean():19.1f}% {100 * (s_out < t).mean():14.1f}%"
        )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kinds", nargs="+", default=["minilm-int8"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--tune", action="store_true", help="grid on val (alpha, LR on/off, l2)")
    ap.add_argument("--alpha", type=float, default=0.25)
    ap.add_argument("--l2", type=float, default=3e-4)
    ap.add_argument("--no-lr", action="store_true")
    ap.add_argument("--percentile", type=float, default=8.0)
    ap.add_argument("--curve", action="store_true")
    a = ap.parse_args()
    d = load()
    F = features(a.kinds)
    print("features:", "+".join(a.kinds), F["train"].shape[1], "dims")
    if a.tune:
        print(f"{'method':<32} {'val acc':>8} {'test acc':>8}")
        for alpha in (0.0, 0.25, 0.5, 0.75, 1.0):
            r = evaluate(F, d, a.seeds[0], alpha=alpha, use_lr=False)
            print(f"{f'sim alpha={alpha:.2f}':<32} {r['val_acc']:8.4f} {r['test_acc']:8.4f}")
        for l2 in (1e-2, 3e-3, 1e-3, 3e-4, 1e-4):
            r = evaluate(F, d, a.seeds[0], use_lr=True, l2=l2)
            print(f"{f'softmax LR l2={l2:g}':<32} {r['val_acc']:8.4f} {r['test_acc']:8.4f}")
        return
    rows = []
    for seed in a.seeds:
        r = evaluate(F, d, seed, alpha=a.alpha, use_lr=not a.no_lr, l2=a.l2, percentile=a.percentile)
        rows.append(r)
        print(
            f"seed {seed}: val acc {r['val_acc']:.4f} test acc {r['test_acc']:.4f} | threshold "
            f"{r['threshold']:.3f} (LOO p{a.percentile:g}) test assigned {r['test_assigned']:.3f} "
            f"(assigned&correct {r['test_assigned_correct']:.3f}) "
            f"oos_test unassigned {r['oos_test_unassigned']:.3f} "
            f"| val assigned {r['val_assigned']:.3f} oos_val unassigned {r['oos_val_unassigned']:.3f}"
        )
    if len(rows) > 1:
        for key in ("test_acc", "test_assigned", "oos_test_unassigned"):
            v = np.array([r[key] for r in rows])
            print(f"mean {key}: {v.mean():.4f} (min {v.min():.4f}, max {v.max():.4f})")
    if a.curve:
        print_curve(rows[0])


if __name__ == "__main__":
    main()
