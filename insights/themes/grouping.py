"""Group unit vectors into themes, the number of themes chosen by the data.

Average-linkage agglomerative clustering cut at a fixed distance: two groups merge while their
insights are, on average, more similar than :data:`MERGE_DISTANCE` allows. The cut is a similarity
floor, not a count, so the same constant gives 2 themes in a quiet week and 60 in a busy one, and it
does not depend on the week's size (silhouette-picked k was measured and rejected: on short sparse
texts it climbs to the top of whatever range it is given). Average linkage, unlike single linkage,
does not chain unrelated insights through one shared word, and unlike Ward it reads its cut in
cosine terms.

Insights the cut leaves alone join the nearest theme of two or more insights when they are at least
as similar to its centroid as the cut's floor (:func:`attach_singletons`): fewer one-insight themes,
no new constant. The cut's themes are then polished by :data:`REFINE_STEPS` spherical k-means steps (each insight moves
to its nearest theme centroid), which fixes insights that linkage merged early by one shared word.

Linkage needs all pairwise distances, so above :data:`SAMPLE_SIZE` insights it runs on a seeded random
sample, and the k-means steps assign every insight to the sample themes' centroids. Memory stays
O(sample² + n·k), time O(sample² + n·k·nnz): linear in the week's size.

Measured on the dev set and banking77 (``python -m bench.quality_themes``): cuts from 1.30 to 1.38 trade
NMI (more, smaller themes) against ARI (fewer, bigger ones); 1.35 is the middle ground on both data
sets, which have very different sizes and numbers of subjects. A cut read from the week's density
(floor raised with the median nearest-neighbour cosine) was measured and rejected: it helps banking77
but splits any week where many insights repeat one another (docs/themes.md).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.preprocessing import normalize

# Euclidean distance between unit vectors; d = sqrt(2 - 2·cos), so 1.35 is an average cosine ≈ 0.09
# in the week's TF-IDF space (sparse short texts have small cosines even on one subject).
MERGE_DISTANCE: Final = 1.35
REFINE_STEPS: Final = 3
SAMPLE_SIZE: Final = 4000
CHUNK: Final = 8192
CENTROID_FEATURES: Final = 400


def _relabel_by_size(assignment: np.ndarray) -> np.ndarray:
    _, inverse, counts = np.unique(assignment, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse.ravel()]


def _prune(centroids: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Keep each centroid's ``keep`` heaviest features: products stay sparse, cosines barely move."""
    rows, cols, vals = [], [], []
    for i in range(centroids.shape[0]):
        start, end = centroids.indptr[i], centroids.indptr[i + 1]
        data, indices = centroids.data[start:end], centroids.indices[start:end]
        if len(data) > keep:
            top = np.argpartition(-data, keep)[:keep]
            data, indices = data[top], indices[top]
        rows.append(np.full(len(data), i))
        cols.append(indices)
        vals.append(data)
    pruned = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=centroids.shape)
    return normalize(pruned).tocsr()


def _centroids(rows: sp.csr_matrix, assignment: np.ndarray, k: int) -> sp.csr_matrix:
    n = rows.shape[0]
    membership = sp.csr_matrix((np.ones(n, dtype=np.float32), (assignment, np.arange(n))), shape=(k, n))
    return _prune(normalize(membership @ rows).tocsr(), CENTROID_FEATURES)


def nearest(rows: sp.csr_matrix, centroids: sp.csr_matrix) -> np.ndarray:
    """Index of the most similar centroid for each row, computed in chunks to bound memory."""
    n = rows.shape[0]
    out = np.empty(n, dtype=np.int64)
    transposed = centroids.T.tocsc()
    for start in range(0, n, CHUNK):
        similarity = (rows[start : start + CHUNK] @ transposed).toarray()
        out[start : start + CHUNK] = np.argmax(similarity, axis=1)
    return out


def condensed_distances(rows: sp.csr_matrix) -> np.ndarray:
    """Euclidean distances between (unit or zero) rows, condensed as scipy wants, filled a chunk at a time."""
    n = rows.shape[0]
    out = np.empty(n * (n - 1) // 2, dtype=np.float64)
    norms = np.asarray(rows.multiply(rows).sum(axis=1), dtype=np.float64).ravel()
    transposed = rows.T.tocsc()
    step = max(1, CHUNK // 16)
    for start in range(0, n, step):
        block = np.asarray((rows[start : start + step] @ transposed).todense(), dtype=np.float64)
        for offset, dots in enumerate(block):
            i = start + offset
            begin = i * n - i * (i + 1) // 2
            squared = norms[i] + norms[i + 1 :] - 2 * dots[i + 1 :]
            out[begin : begin + n - i - 1] = np.sqrt(np.maximum(squared, 0.0))
    return out


def attach_singletons(rows: sp.csr_matrix, assignment: np.ndarray, distance: float) -> np.ndarray:
    """Move each one-insight theme into the nearest theme of 2+ insights whose centroid is close enough.

    "Close enough" is the cut's own similarity floor (cosine ``1 - distance² / 2``), read against the
    theme's centroid instead of averaged over its members: no new constant. An insight that linkage
    left alone because it shares a word or two with a theme, but not with each of its members, joins it.
    """
    sizes = np.bincount(assignment)
    big = np.flatnonzero(sizes >= 2)
    alone = np.flatnonzero(sizes[assignment] == 1)
    if len(big) == 0 or len(alone) == 0:
        return assignment
    floor = 1.0 - distance**2 / 2.0
    remap = np.full(len(sizes), -1, dtype=np.int64)
    remap[big] = np.arange(len(big))
    members = remap[assignment] >= 0
    centroids = _centroids(rows[members], remap[assignment[members]], len(big))
    similarity = (rows[alone] @ centroids.T).toarray()
    best = np.argmax(similarity, axis=1)
    close = similarity[np.arange(len(alone)), best] >= floor
    moved = assignment.copy()
    moved[alone[close]] = big[best[close]]
    return np.unique(moved, return_inverse=True)[1].astype(np.int64).ravel()


def _cut(rows: sp.csr_matrix, distance: float) -> np.ndarray:
    if rows.shape[0] == 1:
        return np.zeros(1, dtype=np.int64)
    tree = linkage(condensed_distances(rows), method="average")
    assignment = fcluster(tree, distance, criterion="distance").astype(np.int64) - 1
    return attach_singletons(rows, assignment, distance)


def group_rows(
    rows: sp.csr_matrix, distance: float = MERGE_DISTANCE, sample_size: int = SAMPLE_SIZE, seed: int = 0
) -> np.ndarray:
    """Theme index of each row (unit vectors), 0 for the biggest theme, 1 for the next, and so on."""
    n = rows.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n <= sample_size:
        assignment = _cut(rows, distance)
    else:
        sample = np.random.default_rng(seed).choice(n, size=sample_size, replace=False)
        sample_assignment = _cut(rows[sample], distance)
        k = int(sample_assignment.max()) + 1
        assignment = nearest(rows, _centroids(rows[sample], sample_assignment, k))
    k = int(assignment.max()) + 1
    for _ in range(REFINE_STEPS):
        assignment = nearest(rows, _centroids(rows, assignment, k))
    return _relabel_by_size(assignment)
