"""Emerging themes: clustering of unassigned texts, K unknown.

Agglomerative clustering (average linkage, cosine distance) on L2-normalised
embeddings cut at a distance threshold; clusters smaller than ``min_size``
are noise (left unclustered). Label terms: class-based TF-IDF words.

Evaluation on CLINC150 in-scope (parameters chosen on `val`, reported on `test`):
    OMP_NUM_THREADS=1 $VENV/bin/python cluster.py --kinds minilm-int8-own use-multilingual

Measures NMI (noise as one group), share clustered, clusters, linkage CPU (FINDINGS.md, Goal 5).
Needs: numpy, scipy; reads the embedding cache (cache_embeddings.py).
Run with the research venv (FINDINGS.md, Setup); research only, not used by the service.
    OMP_NUM_THREADS=1 $VENV/bin/python cluster.py --kinds minilm-int8-own use-multilingual
"""

from __future__ import annotations

import argparse
import math
import re
from collections import Counter

import numpy as np

STOP = set(
    """a an the and or but if of to in on at for from by with about as is are was were be been being am do
does did doing have has had i me my we our you your he she it its they them their this that these
those what which who whom how when where why can could would should will shall may might must not no
so than too very just also there here up down out over under again then once all any both each few
more most other some such own same into through please tell know want need let get like one s t don
im i'm ive i've le la les un une des de du et ou en au aux ce cet cette ces mon ma mes ton ta tes
son sa ses notre nos votre vos leur leurs je tu il elle on nous vous ils elles me te se moi toi lui
y est sont pas ne que qui quoi pour par avec sans sur dans plus très tout tous faire fait peux veux""".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def agglomerative(X: np.ndarray, threshold: float, method: str = "average") -> np.ndarray:
    """Cluster ids (0..k-1) from average-linkage on cosine distance, cut at ``threshold``."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    Z = linkage(pdist(X, "cosine"), method=method)
    return fcluster(Z, t=threshold, criterion="distance") - 1


def cut(Z, threshold, min_size):
    from scipy.cluster.hierarchy import fcluster

    lab = fcluster(Z, t=threshold, criterion="distance") - 1
    sizes = np.bincount(lab)
    lab = np.where(sizes[lab] >= min_size, lab, -1)
    return lab


def cluster_texts(X: np.ndarray, threshold: float = 0.45, min_size: int = 5) -> np.ndarray:
    """-1 = unclustered (noise)."""
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist

    return cut(linkage(pdist(X, "cosine"), method="average"), threshold, min_size)


def nmi(a, b) -> float:
    """Normalised mutual information (arithmetic mean of entropies, as sklearn's default)."""
    a = np.unique(a, return_inverse=True)[1]
    b = np.unique(b, return_inverse=True)[1]
    n = len(a)
    C = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(C, (a, b), 1)
    P = C / n
    pa, pb = P.sum(1), P.sum(0)
    nz = P > 0
    mi = (P[nz] * np.log(P[nz] / np.outer(pa, pb)[nz])).sum()
    ha = -(pa[pa > 0] * np.log(pa[pa > 0])).sum()
    hb = -(pb[pb > 0] * np.log(pb[pb > 0])).sum()
    return float(mi / ((ha + hb) / 2)) if ha + hb > 0 else 1.0


def label_terms(texts, labels, top=4) -> dict[int, list[str]]:
    """Class-based TF-IDF: term frequency in the cluster x log(1 + n_clusters / clusters containing term)."""
    ids = sorted(set(labels) - {-1})
    tf = {c: Counter() for c in ids}
    for t, c in zip(texts, labels, strict=False):
        if c != -1:
            tf[c].update(w for w in _WORD.findall(t.lower()) if w not in STOP and len(w) > 1)
    df = Counter(w for c in ids for w in tf[c])
    out = {}
    for c in ids:
        total = sum(tf[c].values()) or 1
        score = {w: (n / total) * math.log(1 + len(ids) / df[w]) for w, n in tf[c].items()}
        out[c] = [w for w, _ in sorted(score.items(), key=lambda kv: -kv[1])[:top]]
    return out


def main():
    import time

    from eval_clinc import features, load
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist

    ap = argparse.ArgumentParser()
    ap.add_argument("--kinds", nargs="+", default=["minilm-int8-own", "use-multilingual"])
    ap.add_argument("--method", default="average")
    a = ap.parse_args()
    d = load()
    F = features(a.kinds)
    res = {}
    for split in ("val", "test"):
        gold = np.array([t for _, t in d[split]])
        t0 = time.process_time()
        Z = linkage(pdist(F[split], "cosine"), method=a.method)
        print(f"{split}: linkage of {len(gold)} texts {time.process_time() - t0:.1f}s cpu")
        rows = []
        for thr in np.arange(0.30, 0.76, 0.05):
            for ms in (3, 5, 8):
                lab = cut(Z, thr, ms)
                clustered = (lab >= 0).mean()
                rows.append(
                    (
                        thr,
                        ms,
                        nmi(gold, lab),
                        nmi(gold[lab >= 0], lab[lab >= 0]),
                        clustered,
                        len(set(lab) - {-1}),
                    )
                )
        res[split] = (Z, rows)
    print(
        f"{'thr':>5} {'min':>4} | {'val NMI':>8} {'clust%':>7} {'k':>4} | "
        f"{'test NMI':>8} {'NMI clustered only':>18} {'clust%':>7} {'k':>4}"
    )
    for (thr, ms, n1, _, c1, k1), (_, _, n2, n2c, c2, k2) in zip(res["val"][1], res["test"][1], strict=False):
        print(
            f"{thr:5.2f} {ms:4d} | {n1:8.3f} {100 * c1:6.1f}% {k1:4d} | "
            f"{n2:8.3f} {n2c:18.3f} {100 * c2:6.1f}% {k2:4d}"
        )
    ok = [r for r in res["val"][1] if r[4] >= 0.75]
    best = max(ok, key=lambda r: r[2])
    print(f"chosen on val (NMI max with >= 75% clustered): threshold {best[0]:.2f} min_size {best[1]}")
    lab = cut(res["test"][0], best[0], best[1])
    gold = np.array([t for _, t in d["test"]])
    print(
        f"test: NMI {nmi(gold, lab):.3f} (noise = one group), clustered {100 * (lab >= 0).mean():.1f}%, "
        f"{len(set(lab) - {-1})} clusters for 150 intents"
    )
    texts = [t for t, _ in d["test"]]
    terms = label_terms(texts, lab)
    for c in sorted(terms, key=lambda c: -(lab == c).sum())[:12]:
        top_gold = Counter(gold[lab == c]).most_common(1)[0]
        print(
            f"  cluster {c:3d} n={int((lab == c).sum()):3d} terms={terms[c]} "
            f"majority intent={top_gold[0]} ({top_gold[1]})"
        )


if __name__ == "__main__":
    main()
