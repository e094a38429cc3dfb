"""Profile of one-text ``predict()`` (minilm-own+use): where the CPU goes (cProfile, top 18).

Needs: embedder.py's packages and the built int8 file.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python prof_predict.py
"""

import cProfile
import pstats
import time

from embedder import Embedder
from eval_clinc import load, sample_indices
from fewshot import FewShotClassifier

d = load()
idx, y, themes = sample_indices(d["train"])
emb = Embedder("minilm-own+use")
clf = FewShotClassifier(emb).fit(
    {t: [d["train"][i][0] for i, yy in zip(idx, y, strict=False) if yy == k] for k, t in enumerate(themes)}
)
texts = [t for t, _ in d["test"][:300]]
for t in texts[:20]:
    clf.predict([t])
t0 = time.process_time()
for t in texts:
    clf.predict([t])
print("single ms/item", (time.process_time() - t0) / len(texts) * 1000)
cProfile.run("for t in texts: clf.predict([t])", "/tmp/prof.out")
pstats.Stats("/tmp/prof.out").sort_stats("cumulative").print_stats(18)
