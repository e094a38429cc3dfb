"""Emerging themes: clustering items no theme claimed, without being told how many clusters.

Items are embedded like everything the classifier sees (:mod:`.embedding`). Average-linkage
agglomerative clustering on cosine distance (scipy) is cut where the average distance inside a
cluster would pass CUT_DISTANCE; clusters under MIN_CLUSTER_SIZE items are noise (no cluster). Each
cluster gets label terms (class-based TF-IDF: words frequent in it and rare in the other clusters)
and examples (the items closest to its centre). The cut and the minimum size were chosen on
CLINC150's validation split (highest NMI with at least 75% clustered): on its 4,500 in-scope test
queries they give NMI 0.868 with 96% of items clustered (evaluation/embeddings/FINDINGS.md).
Quadratic in memory: the service clusters a bounded sample of recent unassigned items.
"""

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .embedding import encoder
from .text import words

MAX_ITEMS = 5000  # the distance matrix of 5,000 items is 100 MB
CUT_DISTANCE = 0.60
MIN_CLUSTER_SIZE = 3
LABEL_TERMS = 5


@dataclass(frozen=True)
class Cluster:
    number: int
    members: list[int]  # indices into the input
    label_terms: list[str]
    examples: list[int]  # indices, closest to the centre first
    cohesion: float  # mean similarity of members to the centre


def cluster_labels(vectors: np.ndarray) -> np.ndarray:
    """A cluster number per row, -1 for noise; rows are L2-normalised embeddings."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    if len(vectors) < MIN_CLUSTER_SIZE:
        return np.full(len(vectors), -1)
    distances = np.clip(pdist(vectors.astype(np.float64), "cosine"), 0.0, 2.0)
    labels = fcluster(linkage(distances, method="average"), t=CUT_DISTANCE, criterion="distance") - 1
    sizes = np.bincount(labels)
    return np.where(sizes[labels] >= MIN_CLUSTER_SIZE, labels, -1)


def cluster_texts(texts: list[str], vectors: np.ndarray | None = None) -> list[Cluster]:
    """Clusters of the given texts (the first MAX_ITEMS), largest first; texts in no cluster are noise."""
    texts = texts[:MAX_ITEMS]
    if vectors is None:
        vectors = encoder().embed(texts)
    labels = cluster_labels(vectors[: len(texts)])
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels[labels >= 0])]
    groups.sort(key=lambda g: (-len(g), int(g[0])))
    terms = label_terms(texts, groups)
    clusters = []
    for number, members in enumerate(groups):
        centre = vectors[members].mean(axis=0)
        closeness = vectors[members] @ (centre / max(float(np.linalg.norm(centre)), 1e-12))
        order = [int(members[k]) for k in np.argsort(-closeness, kind="stable")]
        clusters.append(Cluster(number, order, terms[number], order[:3], round(float(closeness.mean()), 3)))
    return clusters


def label_terms(texts: list[str], groups: list[np.ndarray]) -> list[list[str]]:
    """Per group: its words weighted by their share of the group's words times log(1 + groups / groups
    containing the word), words found in a single item of a larger group left out."""
    tokens = [words(text) for text in texts]
    per_group: list[Counter[str]] = []
    items_with: list[Counter[str]] = []
    for members in groups:
        counts: Counter[str] = Counter()
        present: Counter[str] = Counter()
        for i in members:
            counts.update(tokens[i])
            present.update(set(tokens[i]))
        per_group.append(counts)
        items_with.append(present)
    groups_with = Counter(word for counts in per_group for word in counts)
    labels = []
    for members, counts, present in zip(groups, per_group, items_with, strict=True):
        total = sum(counts.values()) or 1
        weight = {
            word: (n / total) * math.log(1 + len(groups) / groups_with[word])
            for word, n in counts.items()
            if present[word] >= 2 or len(members) <= 2
        }
        labels.append(sorted(weight, key=lambda w: (-weight[w], w))[:LABEL_TERMS])
    return labels
