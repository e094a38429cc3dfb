"""Embed every CLINC150 split once per backend and cache it to cache/<kind>.npz (git-ignored).

Measures: load CPU time and CPU ms per text of each backend (printed); the cache is what
eval_clinc.py, cluster.py and the exp_* scripts read. Kinds: see ``embedder.Embedder``.

Needs: what embedder.py needs for the chosen kinds.
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python cache_embeddings.py minilm-int8-own use-multilingual
"""

import json
import sys
import time

import numpy as np
from embedder import INT8_OWN_ONNX, Embedder
from eval_clinc import CACHE, DATA

OUT = CACHE


def main(kinds):
    d = json.loads(DATA.read_text())
    OUT.mkdir(exist_ok=True)
    for kind in kinds:
        t0 = time.process_time()
        if kind == "minilm-int8-own":
            from embedder import OnnxMiniLM

            emb = OnnxMiniLM(INT8_OWN_ONNX)
        else:
            emb = Embedder(kind)
        load = time.process_time() - t0
        arrays = {}
        n = 0
        t0 = time.process_time()
        for split in ("train", "val", "test", "oos_train", "oos_val", "oos_test"):
            texts = [t for t, _ in d[split]]
            arrays[split] = emb.embed(texts).astype(np.float32)
            n += len(texts)
        dt = time.process_time() - t0
        np.savez(OUT / f"{kind}.npz", **arrays)
        print(f"{kind}: load {load:.2f}s cpu, {n} texts, {dt / n * 1000:.2f} ms/item cpu", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
