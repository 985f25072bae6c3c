"""The two views of an insight that grouping blends: its USE vector and its lemma TF-IDF in the week.

- *terms*: content lemmas (nouns, proper nouns, verbs, adjectives; no stop words, numbers or filler),
  lowercased and folded (accents out) so « évènement » meets « evenement »; French and English terms
  stay apart (USE is what brings the two languages together).
- *lexical rows*: sublinear TF-IDF over the week's terms (IDF without sklearn's "+1": a term every
  insight uses separates none) joined with TF-IDF over the terms' character 3–5-grams (typos,
  plurals, compounds), unit length, sparse.
- *blended rows*: ``[sqrt(w)·USE | sqrt(1-w)·lexical]``, so a dot product is
  ``w·cos_USE + (1-w)·cos_lexical``: a scalable way to cluster in the blend without an n×n matrix.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Final

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from insights.themes import lexicon
from insights.themes.types import Reading, Word, unit_rows

CONTENT_POS: Final = frozenset({"NOUN", "PROPN", "ADJ", "VERB", "X", ""})
CHAR_SHARE: Final = 0.5
_FILLER_WORDS: Final = (
    "faire avoir être aller dire pouvoir vouloir falloir devoir mettre passer venir voir savoir prendre encore "
    "truc chose gens fois ça get got make made say said go going went know need want take still really thing "
    "things people time today yesterday week again one guy lol ok okay please thanks merci hello bonjour hi hey "
    "jour semaine mois an année heure matin soir lundi mardi mercredi jeudi vendredi day month year hour morning "
    "monday tuesday wednesday thursday friday bon good new nouveau gros petit big small coup "
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre january february march "
    "april june july august september october november december"
)


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lowercase without accents: the form terms are compared in (never shown to anyone)."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


FILLER: Final = frozenset(fold(word) for word in _FILLER_WORDS.split())


def is_content(word: Word) -> bool:
    """Whether a word names a subject (for grouping; labels have their own, stricter rule)."""
    if word.is_stop and word.text.lower() != "down":
        return False
    if word.pos not in CONTENT_POS or len(word.text) < 2 or not any(c.isalpha() for c in word.text):
        return False
    if any(c.isdigit() for c in word.text) and not any(c.isalpha() for c in word.text):
        return False
    return fold(word.lemma) not in FILLER and fold(word.text) not in FILLER and word.lemma.isprintable()


def folded_terms(reading: Reading) -> list[str]:
    """Folded content lemmas of an insight, in text order (no lexicon: the lab's "folded lemmas only")."""
    return [fold(w.lemma) for w in reading.words if is_content(w)]


def _identity(doc: Sequence[str]) -> Sequence[str]:
    return doc


class LexicalSpace:
    """TF-IDF over terms and their character 3–5-grams, fitted once and reused (a fixed space).

    Fitted on a week it is the week's own space; fitted on a catalogue's members it is the space new
    insights are compared in, the same on every replica that holds the same members.
    """

    def __init__(self, docs: Sequence[Sequence[str]], keep_counts: bool = False) -> None:
        self.empty = not any(docs)
        self._counts: sp.csr_matrix | None = None
        self.words = CountVectorizer(analyzer=_identity, dtype=np.float32)
        self.grams = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), dtype=np.float32)
        if self.empty:
            return
        counts = self.words.fit_transform(docs).tocsr()
        if keep_counts:
            self._counts = counts
        self.grams_of_terms = self.grams.fit_transform(self.words.get_feature_names_out()).tocsr()
        self.gram_idf = TfidfTransformer(sublinear_tf=True).fit(counts @ self.grams_of_terms)
        # Whole terms get IDF without sklearn's "+1": a term every insight uses separates none of them.
        self.word_idf = TfidfTransformer(sublinear_tf=True).fit(counts)
        self.word_idf.idf_ = self.word_idf.idf_ - 1.0

    @classmethod
    def fitted(cls, docs: Sequence[Sequence[str]]) -> tuple[LexicalSpace, sp.csr_matrix]:
        """The space fitted on ``docs`` and ``docs``' rows in it (``transform(docs)``, counting them once)."""
        space = cls(docs, keep_counts=True)
        counts, space._counts = space._counts, None
        return space, space.transform(docs, counts)

    def transform(self, docs: Sequence[Sequence[str]], counts: sp.csr_matrix | None = None) -> sp.csr_matrix:
        """Unit sparse rows (zero rows for insights with no known term)."""
        if self.empty:
            return sp.csr_matrix((len(docs), 1), dtype=np.float32)
        if counts is None:
            counts = self.words.transform(docs).tocsr()
        grams = normalize(self.gram_idf.transform(counts @ self.grams_of_terms), copy=False)
        words = normalize(self.word_idf.transform(counts), copy=False)
        rows = sp.hstack([words * np.sqrt(1 - CHAR_SHARE), grams * np.sqrt(CHAR_SHARE)], format="csr", dtype=np.float32)
        return normalize(rows, copy=False).tocsr()


def lexical_rows(terms: Sequence[Sequence[str]]) -> sp.csr_matrix:
    """Unit sparse rows over terms and their character grams, in the batch's own space."""
    return LexicalSpace(terms).transform(terms)


def neutral_use(vectors: np.ndarray, centre: bool = True) -> np.ndarray:
    """USE rows minus the week's mean direction, renormalised.

    Every workplace report shares a "someone reports something at work" component (and the kind:
    success against problem); taking the mean out leaves what the subject adds.
    """
    matrix = unit_rows(vectors)
    if centre and len(matrix) > 1:
        matrix = matrix - matrix.mean(axis=0, keepdims=True)
    return unit_rows(matrix)


def blended_rows(use: np.ndarray, lexical: sp.csr_matrix, use_weight: float) -> sp.csr_matrix:
    """Rows whose dot products are ``w·cos_USE + (1-w)·cos_lexical`` (unit rows when both halves are)."""
    dense = sp.csr_matrix(unit_rows(use) * np.float32(np.sqrt(use_weight)))
    return sp.hstack([dense, lexical * np.float32(np.sqrt(1 - use_weight))], format="csr", dtype=np.float32)


def lexicon_terms(
    term_of: Callable[[str], str], is_theme_term: Callable[[str], bool]
) -> Callable[[Reading], list[str]]:
    """Terms through a bilingual lexicon (the project's ``insights.themes.lexicon``): « livraison » and
    "delivery" become one term. Pass the result as ``terms=`` to grouping, assignment and ingest."""

    @lru_cache(maxsize=200_000)
    def term(word: Word) -> str | None:  # words recur: each distinct word is looked at once
        if not is_content(word):
            return None
        found = term_of(word.lemma)
        return found if is_theme_term(found) else None

    def terms(reading: Reading) -> list[str]:
        return [t for t in map(term, reading.words) if t is not None]

    return terms


def terms_of(reading: Reading) -> list[str]:
    """The engine's terms: content lemmas through the project's bilingual lexicon (« livraison » and
    "delivery" are one term; kind words, praise and filler out). Worth +0.09 dev AMI over folded lemmas."""
    return _LEXICON_TERMS(reading)


_LEXICON_TERMS: Final = lexicon_terms(lexicon.term_of, lexicon.is_theme_term)
