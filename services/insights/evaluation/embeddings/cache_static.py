"""Cache tokenlearn-static-model embeddings (64-d int8 static model) for comparison.

Measures: CPU ms per text; writes cache/static64.npz. The package states no licence and no source:
comparison only, never a dependency. Needs: numpy, tokenlearn-static-model (import static_model).
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python cache_static.py
"""

import time

import numpy as np
from eval_clinc import CACHE, load
from fewshot import _l2
from static_model import get_embeddings

d = load()
out = {}
n = 0
t0 = time.process_time()
for s in ("train", "val", "test", "oos_train", "oos_val", "oos_test"):
    out[s] = _l2(np.asarray(get_embeddings([t for t, _ in d[s]]), np.float32))
    n += len(d[s])
print("static 64d: %.3f ms/item" % ((time.process_time() - t0) / n * 1000))
np.savez(CACHE / "static64.npz", **out)
