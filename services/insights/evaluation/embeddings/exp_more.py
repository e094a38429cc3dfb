"""Extra accuracy ideas on one seed (val for choosing, test reported; FINDINGS.md, Goal 1).

Measures: part weights in the concatenation, an ensemble of per-embedding LRs, the theme name as an
extra example. Reads the embedding cache; needs embedder.py's packages for the theme names.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python exp_more.py [seed]
"""

import sys

import numpy as np
from embedder import INT8_OWN_ONNX, Embedder, OnnxMiniLM
from eval_clinc import CACHE, load, sample_indices
from fewshot import _l2, train_softmax

d = load()
kinds = ["minilm-int8-own", "use-multilingual"]
P = [np.load(CACHE / f"{k}.npz") for k in kinds]
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
idx, y, themes = sample_indices(d["train"], seed=seed)
gold = {s: np.array([themes.index(t) for _, t in d[s]]) for s in ("val", "test")}


def acc(L):
    return {s: round(float((L[s].argmax(1) == gold[s]).mean()), 4) for s in L}


def feats(w):
    return {s: _l2(np.hstack([P[0][s] * w[0], P[1][s] * w[1]])) for s in ("train", "val", "test")}


for w in ((1, 1), (1, 0.8), (0.8, 1), (1, 0.6), (0.6, 1)):
    F = feats(w)
    W, b = train_softmax(F["train"][idx], y, 150, l2=3e-4)
    print("weights", w, acc({s: F[s] @ W + b for s in ("val", "test")}), flush=True)
# per-embedding LR, summed log-probs
Ls = {"val": 0, "test": 0}
for p in P:
    W, b = train_softmax(p["train"][idx], y, 150, l2=3e-4)
    for s in Ls:
        Z = p[s] @ W + b
        Z -= Z.max(1, keepdims=True)
        Ls[s] = Ls[s] + Z - np.log(np.exp(Z).sum(1, keepdims=True))
print("ensemble of LRs", acc(Ls), flush=True)
# theme names as extra examples
names = [t.replace("_", " ") for t in themes]
e1 = OnnxMiniLM(INT8_OWN_ONNX).embed(names)
e2 = Embedder("use-multilingual").embed(names)
N = _l2(np.hstack([e1, e2]))
F = feats((1, 1))
for rep in (1, 2, 3):
    X = np.vstack([F["train"][idx]] + [N] * rep)
    yy = np.concatenate([y] + [np.arange(150)] * rep)
    W, b = train_softmax(X, yy, 150, l2=3e-4)
    print(f"theme name as example x{rep}", acc({s: F[s] @ W + b for s in ("val", "test")}), flush=True)
