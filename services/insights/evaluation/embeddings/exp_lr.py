"""Grid of the softmax LR's feature scale, L2 and iterations, val and test accuracy (FINDINGS.md, Goal 1).

Reads the embedding cache (cache_embeddings.py). Needs: numpy.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python exp_lr.py minilm-int8-own+use-multilingual
"""

import sys

import numpy as np
from eval_clinc import features, load, sample_indices
from fewshot import train_softmax

d = load()
kinds = sys.argv[1].split("+")
F = features(kinds)
idx, y, themes = sample_indices(d["train"], seed=0)
gv = np.array([themes.index(t) for _, t in d["val"]])
gt = np.array([themes.index(t) for _, t in d["test"]])
X = F["train"][idx]
for scale in (5, 10, 20, 40):
    for l2 in (1e-3, 1e-4):
        for iters in (300, 1000):
            W, b = train_softmax(X, y, 150, l2=l2, scale=scale, iters=iters)
            print(
                scale,
                l2,
                iters,
                "val {:.4f} test {:.4f}".format(
                    ((F["val"] @ W + b).argmax(1) == gv).mean(), ((F["test"] @ W + b).argmax(1) == gt).mean()
                ),
                flush=True,
            )
