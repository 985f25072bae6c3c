"""Character n-gram TF-IDF with a per-word cache: the same features as scikit-learn's ``char_wb``
analyzer, but a word's feature columns are looked up once, not once per insight that uses it.

On tagging batches this is the most expensive step after spaCy itself, so it matters for throughput.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from insights.tagging.kind_rules import normalize

MAX_CACHED_WORDS = 100_000


@lru_cache(maxsize=65536)
def word_char_ngrams(word: str) -> tuple[str, ...]:
    """Character 3–5-grams of one word padded with spaces (`` ve``, ``vpn ``…)."""
    padded = f" {word} "
    return tuple(padded[i : i + n] for n in range(3, 6) for i in range(max(1, len(padded) - n + 1)))


def char_ngrams(text: str) -> list[str]:
    """Character 3–5-grams inside each word of the normalised text."""
    grams: list[str] = []
    for word in normalize(text).split():
        grams.extend(word_char_ngrams(word))
    return grams


class CharGramTfidf(BaseEstimator, TransformerMixin):
    """Sublinear TF-IDF over :func:`char_ngrams`, l2-normalised, with the columns of each word cached."""

    def __init__(self, min_df: int = 2) -> None:
        self.min_df = min_df

    def fit(self, texts: Iterable[str], y: Any = None) -> CharGramTfidf:
        self.vectorizer_ = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, min_df=self.min_df).fit(texts)
        self.idf_ = self.vectorizer_.idf_
        self._columns: dict[str, np.ndarray] = {}
        return self

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_columns"] = {}  # a cache, rebuilt after loading
        return state

    def _word_columns(self, word: str) -> np.ndarray:
        columns = self._columns.get(word)
        if columns is None:
            vocabulary = self.vectorizer_.vocabulary_
            columns = np.asarray([vocabulary[g] for g in word_char_ngrams(word) if g in vocabulary], dtype=np.int32)
            if len(self._columns) >= MAX_CACHED_WORDS:
                self._columns.clear()
            self._columns[word] = columns
        return columns

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        indptr = [0]
        parts: list[np.ndarray] = []
        for text in texts:
            row = [self._word_columns(w) for w in normalize(text).split()]
            parts.extend(row)
            indptr.append(indptr[-1] + sum(len(c) for c in row))
        indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        shape = (len(indptr) - 1, len(self.idf_))
        counts = sp.csr_matrix((np.ones(len(indices)), indices, np.asarray(indptr)), shape=shape)
        counts.sum_duplicates()
        counts.data = np.log(counts.data) + 1.0
        return sp.csr_matrix(l2_normalize(counts.multiply(self.idf_).tocsr()))
