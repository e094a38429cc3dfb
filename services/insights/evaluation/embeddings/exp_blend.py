"""Blend LR logits + beta * embedding similarity + gamma * TF-IDF theme cosine, tuned on val.

Measures: TF-IDF alone and blended accuracy on val/test (FINDINGS.md, "did not help";
results/tfidf_blend.txt). Reads the embedding cache. Needs: numpy.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python exp_blend.py minilm-int8-own+use-multilingual [seed]
"""

import sys
import time

import numpy as np
from eval_clinc import features, load, sample_indices
from fewshot import FewShotClassifier, train_softmax
from tfidf import TfidfThemes

d = load()
kinds = sys.argv[1].split("+")
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
F = features(kinds)
idx, y, themes = sample_indices(d["train"], seed=seed)
gold = {s: np.array([themes.index(t) for _, t in d[s]]) for s in ("val", "test")}
X = F["train"][idx]
t0 = time.process_time()
tf = TfidfThemes().fit([d["train"][i][0] for i in idx], y, 150)
T = {s: tf.scores([t for t, _ in d[s]]) for s in ("val", "test")}
print("tfidf ms/item", (time.process_time() - t0) / 7500 * 1000)
for s in ("val", "test"):
    print("tfidf alone", s, (T[s].argmax(1) == gold[s]).mean())
clf = FewShotClassifier(alpha=0.25, use_lr=False).fit_vectors(X, y, themes)
S = {s: clf.similarities(F[s]) for s in ("val", "test")}
for lr_, it in ((0.1, 300), (0.03, 500)):
    W, b = train_softmax(X, y, 150, l2=1e-4, scale=10, iters=it, lr=lr_)
    L = {s: F[s] @ W + b for s in ("val", "test")}
    print("LR lr", lr_, it, {s: round(float((L[s].argmax(1) == gold[s]).mean()), 4) for s in L})
    # normalise logits scale: std
    best = None
    for beta in (0, 5, 10, 20, 40):
        for gamma in (0, 5, 10, 20, 40):
            acc = {s: float(((L[s] + beta * S[s] + gamma * T[s]).argmax(1) == gold[s]).mean()) for s in L}
            if best is None or acc["val"] > best[0]:
                best = (acc["val"], acc["test"], beta, gamma)
            print(f"  beta {beta:3} gamma {gamma:3} val {acc['val']:.4f} test {acc['test']:.4f}")
    print("best on val", best)
