"""Readable theme labels and keywords, by class-based TF-IDF (c-TF-IDF) over the themes' terms.

A term scores high for a theme when many of the theme's insights use it and few other insights do:
``share of the theme's insights using it × log(1 + A / insights using it anywhere)``, where ``A`` is the
average number of term uses per theme (the weighting BERTopic popularised). Terms are counted once per
insight, so one long rant repeating a word does not name a theme. The label shows the words as the
insights wrote them (the lemma most used for that term inside the theme), so a French theme reads
« livraison retard » and an English one "vpn outage" even though both languages share terms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Final

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from insights.themes.lexicon import term_of

LABEL_WORDS: Final = 3
KEYWORDS: Final = 8
# A third label word is kept only when it scores at least this share of the best word.
THIRD_WORD_SHARE: Final = 0.6
DISPLAY_SAMPLE: Final = 2000


def _identity(doc: Sequence[str]) -> Sequence[str]:
    return doc


def _shown_forms(candidates: set[str], members: Sequence[int], lemmas: Sequence[Sequence[str]]) -> dict[str, str]:
    """The lemma most used inside the theme for each candidate term (from at most DISPLAY_SAMPLE insights)."""
    forms: dict[str, Counter[str]] = {term: Counter() for term in candidates}
    for i in members[:DISPLAY_SAMPLE]:
        for lemma in lemmas[i]:
            term = term_of(lemma)
            if term in forms:
                forms[term][lemma] += 1
    return {term: (found.most_common(1)[0][0] if found else term) for term, found in forms.items()}


def _first_positions(members: Sequence[int], terms: Sequence[Sequence[str]]) -> dict[str, float]:
    """Mean relative position where each term first appears in the theme's insights (0 = first word)."""
    total: dict[str, float] = {}
    seen: Counter[str] = Counter()
    for i in members[:DISPLAY_SAMPLE]:
        doc = terms[i]
        firsts: dict[str, int] = {}
        for position, term in enumerate(doc):
            firsts.setdefault(term, position)
        for term, position in firsts.items():
            total[term] = total.get(term, 0.0) + position / len(doc)
            seen[term] += 1
    return {term: total[term] / seen[term] for term in seen}


def _pick_label(words: list[str], scores: list[float]) -> str:
    picked = words[:2]
    if len(words) >= LABEL_WORDS and scores[2] >= THIRD_WORD_SHARE * scores[0]:
        picked = words[:LABEL_WORDS]
    return " ".join(picked)


def theme_labels(
    lemmas: Sequence[Sequence[str]], terms: Sequence[Sequence[str]], assignment: np.ndarray, k: int
) -> list[tuple[str, tuple[str, ...]]]:
    """For each theme ``0..k-1``: a 2–3 word label and its keywords, best first."""
    results: list[tuple[str, tuple[str, ...]]] = [("", ())] * k
    if not any(terms):
        return [("divers", ())] * k
    vectorizer = CountVectorizer(analyzer=_identity, binary=True)
    used = vectorizer.fit_transform(terms)
    vocabulary = vectorizer.get_feature_names_out()
    n = len(terms)
    membership = sp.csr_matrix((np.ones(n), (assignment, np.arange(n))), shape=(k, n))
    per_theme = (membership @ used).tocsr()
    anywhere = np.asarray(per_theme.sum(axis=0)).ravel()
    average = per_theme.sum() / max(k, 1)
    sizes = np.bincount(assignment, minlength=k)
    members_of: list[list[int]] = [[] for _ in range(k)]
    for i, theme in enumerate(assignment.tolist()):
        members_of[theme].append(i)
    for theme in range(k):
        row = per_theme.getrow(theme)
        counts = row.data
        scores = counts / max(sizes[theme], 1) * np.log1p(average / anywhere[row.indices])
        # A word only one insight of a bigger theme uses does not name the theme.
        shared = counts >= 2 if sizes[theme] >= 2 and (counts >= 2).sum() >= 2 else np.ones_like(counts, bool)
        first_seen = _first_positions(members_of[theme], terms)
        positions = np.array([first_seen.get(str(vocabulary[t]), 1.0) for t in row.indices])
        # Ties (always, in a one-insight theme) go to the words said first: usually the subject.
        ranked = np.lexsort((positions, -np.round(scores, 9)))
        order = [j for j in ranked if shared[j]][: KEYWORDS * 2]
        candidates = [str(vocabulary[row.indices[j]]) for j in order]
        shown = _shown_forms(set(candidates), members_of[theme], lemmas)
        words: list[str] = []
        word_scores: list[float] = []
        for j, term in zip(order, candidates, strict=True):
            word = shown[term]
            if word not in words:
                words.append(word)
                word_scores.append(float(scores[j]))
        label = _pick_label(words, word_scores) if words else "divers"
        results[theme] = (label, tuple(words[:KEYWORDS]))
    return results
