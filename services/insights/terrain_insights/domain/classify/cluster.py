"""Emerging themes: clustering items no theme claimed, without being told how many clusters.

Items become TF-IDF vectors (stemmed words and word pairs, fitted on
the items themselves). Average-linkage agglomerative clustering on cosine
similarity builds the whole merge tree once; the cut is the similarity level
whose clustering has the best silhouette (singletons count 0, so cutting
everything apart never wins). Clusters of one item are noise (no cluster).
Each cluster gets label terms (its most characteristic words) and examples
(the items closest to its centre). Quadratic in the number of items: the
service clusters a bounded sample of recent unassigned items.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np

from .text import word_features, words
from .vectors import TfIdf, normalize_rows

MAX_ITEMS = 1500
MIN_CLUSTER_SIZE = 2
_FLOOR = 0.05  # below this average similarity nothing is worth merging


@dataclass(frozen=True)
class Cluster:
    number: int
    members: list[int]  # indices into the input
    label_terms: list[str]
    examples: list[int]  # indices, closest to the centre first
    cohesion: float  # mean similarity of members to the centre


def _merge_tree(similarity: np.ndarray) -> list[tuple[float, int, int]]:
    """Average-linkage merges (similarity, kept, absorbed), in order of decreasing similarity."""
    s = similarity.astype(np.float64).copy()
    n = s.shape[0]
    np.fill_diagonal(s, -np.inf)
    sizes = np.ones(n)
    merges: list[tuple[float, int, int]] = []
    for _ in range(n - 1):
        flat = int(np.argmax(s))
        i, j = divmod(flat, n)
        best = s[i, j]
        if best < _FLOOR:
            break
        merged = (sizes[i] * s[i] + sizes[j] * s[j]) / (sizes[i] + sizes[j])
        s[i, :] = merged
        s[:, i] = merged
        s[j, :] = -np.inf
        s[:, j] = -np.inf
        s[i, i] = -np.inf
        sizes[i] += sizes[j]
        merges.append((float(best), i, j))
    return merges


def _cut(n: int, merges: list[tuple[float, int, int]], level: float) -> np.ndarray:
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for similarity, kept, absorbed in merges:
        if similarity < level:
            break
        parent[root(absorbed)] = root(kept)
    return np.array([root(i) for i in range(n)])


def silhouette(distance: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette; members of singleton clusters score 0."""
    unique = np.unique(labels)
    if len(unique) < 2 or len(unique) == len(labels):
        return -1.0
    masks = {label: labels == label for label in unique}
    mean_to = np.vstack([distance[:, masks[label]].mean(axis=1) for label in unique])  # (clusters, n)
    index = {label: k for k, label in enumerate(unique)}
    scores = np.zeros(len(labels))
    for i, label in enumerate(labels):
        size = masks[label].sum()
        if size == 1:
            continue
        own = mean_to[index[label], i] * size / (size - 1)  # exclude the zero distance to itself
        other = np.delete(mean_to[:, i], index[label]).min()
        scores[i] = (other - own) / max(own, other, 1e-12)
    return float(scores.mean())


def cluster_texts(texts: list[str]) -> list[Cluster]:
    """Clusters of the given texts; texts in no cluster are noise."""
    texts = texts[:MAX_ITEMS]
    if len(texts) < MIN_CLUSTER_SIZE:
        return []
    space = TfIdf(word_features, texts)
    vectors = normalize_rows(space.matrix(texts).astype(np.float64))
    similarity = np.clip(vectors @ vectors.T, -1.0, 1.0)
    merges = _merge_tree(similarity)
    if not merges:
        return []
    distance = 1.0 - similarity
    levels = sorted({round(m[0], 3) for m in merges})
    candidates = levels if len(levels) <= 40 else list(np.quantile(levels, np.linspace(0, 1, 40)))
    best_labels, best_score = None, -2.0
    for level in candidates:
        labels = _cut(len(texts), merges, level)
        score = silhouette(distance, labels)
        if score > best_score:
            best_labels, best_score = labels, score
    if best_labels is None:
        return []
    return _describe(texts, vectors, best_labels)


def _describe(texts: list[str], vectors: np.ndarray, labels: np.ndarray) -> list[Cluster]:
    document_frequency: Counter[str] = Counter()
    tokens = [words(text) for text in texts]
    for toks in tokens:
        document_frequency.update(set(toks))
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    groups = sorted((g for g in groups if len(g) >= MIN_CLUSTER_SIZE), key=lambda g: (-len(g), int(g[0])))
    clusters = []
    for number, members in enumerate(groups):
        centre = vectors[members].mean(axis=0)
        closeness = vectors[members] @ (centre / max(np.linalg.norm(centre), 1e-12))
        order = [int(members[k]) for k in np.argsort(-closeness)]
        inside: Counter[str] = Counter()
        for i in members:
            inside.update(set(tokens[i]))
        # Frequent inside the cluster, rare outside: a term's share of members times its rarity overall.
        weight = {
            t: (c / len(members)) * np.log(len(texts) / document_frequency[t])
            for t, c in inside.items()
            if c >= 2 or len(members) == 2
        }
        terms = sorted(weight, key=lambda t: (-weight[t], t))[:5]
        clusters.append(
            Cluster(
                number=number,
                members=order,
                label_terms=terms,
                examples=order[:3],
                cohesion=round(float(closeness.mean()), 3),
            )
        )
    return clusters
