"""Accuracy against examples per theme (5 to 30; minilm-own+use, LR), seeds 0-2, test split.

Measures the figures of FINDINGS.md, Goal 1 ("Examples per theme"; results/shots.txt). Reads the
embedding cache. Needs: numpy.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python exp_shots.py
"""

import numpy as np
from eval_clinc import features, load, sample_indices
from fewshot import FewShotClassifier

d = load()
F = features(["minilm-int8-own", "use-multilingual"])
for k in (5, 10, 15, 20, 30):
    accs = []
    for seed in range(3):
        idx, y, themes = sample_indices(d["train"], per_intent=k, seed=seed)
        clf = FewShotClassifier().fit_vectors(F["train"][idx], y, themes)
        gold = np.array([themes.index(t) for _, t in d["test"]])
        accs.append(float((clf.decide(F["test"])[0] == gold).mean()))
    print(
        f"{k:3d} examples/theme: test acc mean {np.mean(accs):.4f} ({min(accs):.4f}-{max(accs):.4f})",
        flush=True,
    )
