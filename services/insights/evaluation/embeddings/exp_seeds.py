"""Across seeds 0-4: LR vs LR + beta * similarity vs theme names as extra examples (minilm-own+use).

Measures val/test accuracy (FINDINGS.md, Goal 1; results/exp_seeds.txt). Needs embedder.py's packages,
the built int8 file and the embedding cache.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python exp_seeds.py
"""

import numpy as np
from embedder import INT8_OWN_ONNX, OnnxMiniLM, USEMultilingual
from eval_clinc import features, load, sample_indices
from fewshot import FewShotClassifier, _l2, train_softmax

d = load()
F = features(["minilm-int8-own", "use-multilingual"])
_, _, themes = sample_indices(d["train"])
names = [t.replace("_", " ") for t in themes]
N = _l2(np.hstack([OnnxMiniLM(INT8_OWN_ONNX).embed(names), USEMultilingual().embed(names)]))
gold = {s: np.array([themes.index(t) for _, t in d[s]]) for s in ("val", "test")}
res = {}
for seed in range(5):
    idx, y, _ = sample_indices(d["train"], seed=seed)
    X = F["train"][idx]
    clf = FewShotClassifier().fit_vectors(X, y, themes)
    S = {s: clf.similarities(F[s]) for s in gold}
    L = {s: F[s] @ clf.W + clf.b for s in gold}
    W2, b2 = train_softmax(np.vstack([X, N]), np.concatenate([y, np.arange(150)]), 150, l2=3e-4)
    L2 = {s: F[s] @ W2 + b2 for s in gold}
    for name, M in (
        ("LR", L),
        ("LR+5sim", {s: L[s] + 5 * S[s] for s in gold}),
        ("LR+10sim", {s: L[s] + 10 * S[s] for s in gold}),
        ("LR+names", L2),
        ("LR+names+5sim", {s: L2[s] + 5 * S[s] for s in gold}),
    ):
        for s in gold:
            res.setdefault((name, s), []).append(float((M[s].argmax(1) == gold[s]).mean()))
for (name, s), v in sorted(res.items()):
    print(f"{name:<16} {s:<5} mean {np.mean(v):.4f} min {min(v):.4f} max {max(v):.4f}")
