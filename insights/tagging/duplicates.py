"""Near-duplicate search: is a new insight the same as one already open in the workspace?

Texts are compared by TF-IDF cosine over stemmed content words and over character n-grams (which
forgive typos and inflections), fitted on the workspace's open insights. Building the index for a few
thousand insights takes a fraction of a second, and a query a millisecond or two, so capture can ask
"Same as #42? +1 instead" without noticeable delay; callers that check many texts keep the index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from insights.tagging.kind_rules import normalize
from insights.tagging.stop_words import STOP_WORDS

# Two insights scoring above this are offered as the same; measured on FR and EN paraphrases in tests.
DEFAULT_THRESHOLD = 0.35
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
_STOP = frozenset(normalize(w) for w in STOP_WORDS)


@dataclass(frozen=True)
class NearDuplicate:
    """The open insight that looks most like the new one, and how much (cosine, 0–1)."""

    id: int
    score: float


def content_stems(text: str) -> str:
    """Accent-free content words cut to six letters, so « livraisons » and « livraison » meet."""
    words = (w.strip("'-") for w in _WORD.findall(normalize(text)))
    return " ".join(w[:6] for w in words if len(w) > 2 and w not in _STOP)


class DuplicateIndex:
    """The open insights of a workspace, vectorised once for repeated near-duplicate queries."""

    def __init__(self, candidates: Sequence[tuple[int, str]]) -> None:
        self.ids = [i for i, _ in candidates]
        self.texts = [t for _, t in candidates]
        stems = [content_stems(t) for _, t in candidates]
        self._words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+")
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        self._word_matrix = self._words.fit_transform(stems) if any(stems) else None
        self._char_matrix = self._chars.fit_transform(stems) if any(stems) else None

    def scores(self, text: str) -> np.ndarray:
        """Similarity of ``text`` to every indexed insight, in index order."""
        if self._word_matrix is None or self._char_matrix is None:
            return np.zeros(len(self.ids))
        stems = content_stems(text)
        words = (self._word_matrix @ self._words.transform([stems]).T).toarray().ravel()
        chars = (self._char_matrix @ self._chars.transform([stems]).T).toarray().ravel()
        return 0.5 * words + 0.5 * chars

    def closest_many(
        self, queries: Sequence[tuple[int, str]], threshold: float = DEFAULT_THRESHOLD
    ) -> dict[int, NearDuplicate]:
        """For each (id, text), its best match among the indexed insights other than itself and newer ones,
        when at or above ``threshold``: one matrix product for the whole batch."""
        if not self.ids or not queries or self._word_matrix is None or self._char_matrix is None:
            return {}
        stems = [content_stems(text) for _, text in queries]
        words = (self._words.transform(stems) @ self._word_matrix.T).toarray()
        chars = (self._chars.transform(stems) @ self._char_matrix.T).toarray()
        scores = 0.5 * words + 0.5 * chars
        indexed = np.asarray(self.ids)
        found: dict[int, NearDuplicate] = {}
        for row, (query_id, _) in enumerate(queries):
            row_scores = np.where(indexed < query_id, scores[row], -1.0)  # an older insight only
            best = int(row_scores.argmax())
            if row_scores[best] >= threshold:
                found[query_id] = NearDuplicate(self.ids[best], round(float(row_scores[best]), 3))
        return found

    def closest(
        self, text: str, threshold: float = DEFAULT_THRESHOLD, exclude: int | None = None
    ) -> NearDuplicate | None:
        """The best match at or above ``threshold``, or None."""
        if not self.ids:
            return None
        scores = self.scores(text)
        if exclude is not None:
            scores[[i for i, x in enumerate(self.ids) if x == exclude]] = -1.0
        best = int(scores.argmax())
        score = float(scores[best])
        return NearDuplicate(self.ids[best], round(score, 3)) if score >= threshold else None


def find_near_duplicate(
    text: str, candidates: Sequence[tuple[int, str]], threshold: float = DEFAULT_THRESHOLD
) -> NearDuplicate | None:
    """The open insight (id, text) most like ``text`` if it is similar enough to offer a +1 instead."""
    if not candidates or not content_stems(text):
        return None
    return DuplicateIndex(candidates).closest(text, threshold)
