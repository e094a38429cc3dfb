"""MiniLM int8 (built here): mean vs mean+max pooling of token vectors, concatenated with USE, seeds 0-4.

Measures val/test accuracy of each pooling (FINDINGS.md, Goal 1). Needs embedder.py's packages, the
built int8 file and the embedding cache.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python exp_pool.py
"""

import time

import numpy as np
from embedder import INT8_OWN_ONNX, OnnxMiniLM, _batches_by_length, _l2
from eval_clinc import CACHE, load, sample_indices
from fewshot import FewShotClassifier

d = load()
m = OnnxMiniLM(INT8_OWN_ONNX)


def maxpool(texts):
    encs = m.tok.encode_batch(texts)
    out = np.zeros((len(texts), 384), np.float32)
    for idx, ids, mask in _batches_by_length(encs, 32):
        h = m.sess.run([m.output_name], {"input_ids": ids, "attention_mask": mask})[0]
        h = np.where(mask[:, :, None] > 0, h, -1e9)
        out[idx] = h.max(1)
    return _l2(out)


U = np.load(CACHE / "use-multilingual.npz")
M = np.load(CACHE / "minilm-int8-own.npz")
res = {}
need = set()
for seed in range(5):
    need |= set(sample_indices(d["train"], seed=seed)[0].tolist())
need = sorted(need)
t0 = time.process_time()
MX = {"train": np.zeros((len(d["train"]), 384), np.float32)}
MX["train"][need] = maxpool([d["train"][i][0] for i in need])
for s in ("val", "test"):
    MX[s] = maxpool([t for t, _ in d[s]])
print("maxpool embed cpu", time.process_time() - t0)
for seed in range(5):
    idx, y, themes = sample_indices(d["train"], seed=seed)
    gold = {s: np.array([themes.index(t) for _, t in d[s]]) for s in ("val", "test")}
    for name, fn in (
        ("mean+use", lambda s: _l2(np.hstack([M[s], U[s]]))),
        ("mean+max+use", lambda s: _l2(np.hstack([M[s], MX[s], U[s]]))),
        ("mean+0.5max+use", lambda s: _l2(np.hstack([M[s], 0.5 * MX[s], U[s]]))),
    ):
        F = {s: fn(s) for s in ("train", "val", "test")}
        clf = FewShotClassifier().fit_vectors(F["train"][idx], y, themes)
        for s in ("val", "test"):
            res.setdefault((name, s), []).append(float((clf.decide(F[s])[0] == gold[s]).mean()))
for k, v in sorted(res.items()):
    print(f"{k[0]:<16} {k[1]:<5} mean {np.mean(v):.4f} ({min(v):.4f}-{max(v):.4f})")
