"""Group one batch of insights (a week, or the insights no catalogue theme took) into themes.

The space blends meaning and words: ``w·cos(USE, centred on the batch) + (1-w)·cos(lemma TF-IDF)``
(:mod:`themes.features`). The cut is *self-tuning*: a pair's similarity is measured above the two
insights' background (mean similarity to the batch) in units of how close their
:data:`SCALE_NEIGHBOUR`-th nearest neighbours are (:func:`locally_scaled`), and average linkage merges
while that stays above :data:`CUT`. A fixed cosine floor cannot serve both a week of 70 varied
workplace reports (neighbours at cosine ~0.1) and 3,000 short customer questions (neighbours at ~0.5);
the scaled one measured well on both (REPORT.md).

Exact route up to :data:`EXACT_LIMIT` insights (n×n float32 matrices: ~64 MB each at 4,000). Above
it, the scalable route: the exact route groups a seeded sample of EXACT_LIMIT insights, and every
insight takes the group of its nearest sample-group centre (USE and lexical halves, blended), a chunk
at a time: memory O(sample² + n·512), time linear in n. (Over-clustering with MiniBatchKMeans and then
grouping the micro-centroids was tried first: the centroids are denser than insights, so the scaled cut
merged banking77 into 24 groups.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.preprocessing import normalize

from insights.themes.features import lexical_rows, neutral_use, terms_of
from insights.themes.types import Reading

USE_WEIGHT: Final = 0.5
SCALE_NEIGHBOUR: Final = 2
CUT: Final = 0.3
EXACT_LIMIT: Final = 4000
CHUNK: Final = 4096
SEED: Final = 0


@dataclass(frozen=True)
class GroupingParams:
    """The grouping's knobs (defaults chosen by leave-one-set-out cross-validation, see REPORT.md)."""

    use_weight: float = USE_WEIGHT
    scale_neighbour: int = SCALE_NEIGHBOUR
    cut: float = CUT
    exact_limit: int = EXACT_LIMIT
    seed: int = SEED
    refine_steps: int = 0  # spherical k-means steps after the cut: measured, no gain (REPORT.md)


def blended_similarity(use: np.ndarray, lexical: sp.csr_matrix, use_weight: float) -> np.ndarray:
    """Dense n×n blended cosine (float32)."""
    similarity = use_weight * (use @ use.T)
    similarity += (1 - use_weight) * (lexical @ lexical.T).toarray()
    return similarity.astype(np.float32, copy=False)


def locally_scaled(similarity: np.ndarray, neighbour: int) -> np.ndarray:
    """Similarity above the pair's background, in units of how close each insight's near neighbours are.

    ``(s_ij - (μ_i + μ_j)/2) / sqrt(a_i a_j)`` with ``μ_i`` the insight's mean similarity to the batch
    and ``a_i = σ_i - μ_i``, ``σ_i`` its similarity to its k-th nearest neighbour: 1 means "as close as
    my close neighbours", 0 "no closer than anyone". Dimensionless, so one cut serves sparse and dense
    batches alike. Works in place on ``similarity`` (float32) to keep one n×n matrix alive.
    """
    n = len(similarity)
    if n <= neighbour + 1:
        return similarity
    diagonal = similarity.diagonal().copy()
    np.fill_diagonal(similarity, 0.0)
    mean = similarity.sum(axis=1, dtype=np.float64) / (n - 1)
    np.fill_diagonal(similarity, -np.inf)
    sigma = np.array([np.partition(row, n - neighbour)[n - neighbour] for row in similarity])
    np.fill_diagonal(similarity, diagonal)
    spread = (1.0 / np.sqrt(np.maximum(sigma - mean, 1e-3))).astype(np.float32)
    half = (mean / 2).astype(np.float32)
    similarity -= half[:, None]
    similarity -= half[None, :]
    similarity *= spread[:, None]
    similarity *= spread[None, :]
    return similarity


def cut_tree(similarity: np.ndarray, cut: float) -> np.ndarray:
    """Average linkage on 1 - similarity, cut where merged groups' mean similarity falls below ``cut``.

    Consumes ``similarity`` (turned into distances in place).
    """
    n = len(similarity)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    distance = similarity
    np.subtract(1.0, distance, out=distance)
    np.maximum(distance, 0.0, out=distance)
    np.fill_diagonal(distance, 0.0)
    condensed = np.concatenate([(distance[i, i + 1 :] + distance[i + 1 :, i]) / 2 for i in range(n - 1)])
    del distance
    tree = linkage(condensed.astype(np.float64), method="average")
    return (fcluster(tree, 1.0 - cut, criterion="distance") - 1).astype(np.int64)


def canonical(assignment: np.ndarray) -> np.ndarray:
    """Group numbers by size (0 the biggest), ties by first member: the same output for the same input."""
    labels, first, counts = np.unique(assignment, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    return rank[np.searchsorted(labels, assignment)]


def _exact(use: np.ndarray, lexical: sp.csr_matrix, params: GroupingParams) -> np.ndarray:
    similarity = blended_similarity(use, lexical, params.use_weight)
    return cut_tree(locally_scaled(similarity, params.scale_neighbour), params.cut)


def _nearest_group(
    use: np.ndarray, lexical: sp.csr_matrix, centres_use: np.ndarray, centres_lex: sp.csr_matrix, weight: float
) -> np.ndarray:
    """Index of the most similar group centre (blended cosine) per row, a chunk at a time."""
    out = np.empty(len(use), dtype=np.int64)
    lex_t = centres_lex.T.tocsc()
    for start in range(0, len(use), CHUNK):
        block = weight * (use[start : start + CHUNK] @ centres_use.T)
        block += (1 - weight) * (lexical[start : start + CHUNK] @ lex_t).toarray()
        out[start : start + CHUNK] = block.argmax(axis=1)
    return out


def _scalable(use: np.ndarray, lexical: sp.csr_matrix, params: GroupingParams) -> np.ndarray:
    """Group a seeded sample exactly, then give every insight the group of its nearest sample-group centre."""
    sample = np.sort(np.random.default_rng(params.seed).choice(len(use), size=params.exact_limit, replace=False))
    grouped = _exact(use[sample], lexical[sample], params)
    k = int(grouped.max()) + 1
    membership = sp.csr_matrix(
        (np.ones(len(sample), dtype=np.float32), (grouped, np.arange(len(sample)))), shape=(k, len(sample))
    )
    centres_use = normalize(np.asarray(membership @ use[sample])).astype(np.float32)
    centres_lex = normalize(membership @ lexical[sample]).tocsr()
    return _nearest_group(use, lexical, centres_use, centres_lex, params.use_weight)


def group_readings(
    readings: Sequence[Reading],
    params: GroupingParams | None = None,
    terms: Callable[[Reading], list[str]] = terms_of,
) -> np.ndarray:
    """Group index per reading (0 = biggest group), the number of groups chosen by the data."""
    params = params or GroupingParams()
    if not readings:
        return np.zeros(0, dtype=np.int64)
    use = neutral_use(np.stack([r.vector for r in readings]))
    lexical = lexical_rows([terms(r) for r in readings])
    route = _exact if len(readings) <= params.exact_limit else _scalable
    assignment = canonical(route(use, lexical, params))
    for _ in range(params.refine_steps):
        assignment = canonical(_refine(use, lexical, assignment, params.use_weight))
    return assignment


def _refine(use: np.ndarray, lexical: sp.csr_matrix, assignment: np.ndarray, weight: float) -> np.ndarray:
    """One spherical k-means step in the blend: each insight moves to its nearest group centre."""
    k = int(assignment.max()) + 1
    n = len(assignment)
    membership = sp.csr_matrix((np.ones(n, dtype=np.float32), (assignment, np.arange(n))), shape=(k, n))
    centres_use = normalize(np.asarray(membership @ use)).astype(np.float32)
    centres_lex = normalize(membership @ lexical).tocsr()
    return _nearest_group(use, lexical, centres_use, centres_lex, weight)
