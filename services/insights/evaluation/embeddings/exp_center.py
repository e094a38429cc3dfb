"""Centering each model's embeddings on the examples' mean before normalising, with and without LR.

Measures accuracy, in-scope assigned and oos_test unassigned over seeds 0-4 (FINDINGS.md, Goal 1;
results/center.txt). Reads the embedding cache. Needs: numpy.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python exp_center.py
"""

import numpy as np
from eval_clinc import CACHE, load, sample_indices
from fewshot import FewShotClassifier, _l2

d = load()
P = [np.load(CACHE / f"{k}.npz") for k in ("minilm-int8-own", "use-multilingual")]
out = {}
for seed in range(5):
    idx, y, themes = sample_indices(d["train"], seed=seed)
    gold = {s: np.array([themes.index(t) for _, t in d[s]]) for s in ("val", "test")}
    for center in (False, True):
        F = {}
        for s in ("train", "val", "test", "oos_test"):
            parts = []
            for p in P:
                mu = p["train"][idx].mean(0) if center else 0
                parts.append(_l2(p[s] - mu))
            F[s] = _l2(np.hstack(parts))
        for lrf in (True, False):
            clf = FewShotClassifier(use_lr=lrf).fit_vectors(F["train"][idx], y, themes)
            thr = clf.calibrate_threshold()
            for s in ("val", "test"):
                out.setdefault((center, lrf, s), []).append(float((clf.decide(F[s])[0] == gold[s]).mean()))
            out.setdefault((center, lrf, "assigned"), []).append(
                float((clf.decide(F["test"])[1] >= thr).mean())
            )
            out.setdefault((center, lrf, "oos_unassigned"), []).append(
                float((clf.decide(F["oos_test"])[1] < thr).mean())
            )
for k, v in sorted(out.items()):
    print(f"center={k[0]} lr={k[1]} {k[2]:<15} mean {np.mean(v):.4f} ({min(v):.4f}-{max(v):.4f})")
