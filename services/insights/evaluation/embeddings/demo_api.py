"""The API an engineer would move into the service, end to end on the hand-made French set.

Measures: load time, the calibrated threshold, two predictions before and after adding examples
(a correction that creates a theme). Needs embedder.py's packages and the built int8 file.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python demo_api.py
"""

import time

from embedder import Embedder
from fewshot import FewShotClassifier
from french_set import EXAMPLES

t0 = time.perf_counter()
emb = Embedder("minilm-own+use")  # load once per process
print(f"loaded in {time.perf_counter() - t0:.2f}s")
clf = FewShotClassifier(emb).fit(EXAMPLES)  # theme -> example texts
print("threshold (LOO p8):", round(clf.calibrate_threshold(), 3))
for text, (theme, score) in zip(
    ["ma carte ne passe plus", "quelle heure est-il à tokyo"],
    clf.predict(["ma carte ne passe plus", "quelle heure est-il à tokyo"]),
    strict=False,
):
    print(f"  {text!r} -> {theme} ({score:.3f})")
clf.add_examples(
    "world_clock", ["quelle heure est-il à new york", "l'heure à londres", "quelle heure à sydney"]
)
print(
    "after a correction (new theme), threshold",
    round(clf.threshold, 3),
    "->",
    clf.predict(["quelle heure est-il à tokyo"]),
)
