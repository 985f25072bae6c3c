"""Readable theme labels: 2–4 words the insights wrote, noun phrases first, never a person's name.

Candidates are read off the insights' own tokens (as written, accents kept): noun phrases by part of
speech — « note de frais », « délai de paiement », « machine à café », "label printer", "VPN outage"
— then pairs of the theme's most typical nouns when no phrase is shared. A candidate is counted once
per insight; it scores ``share of the theme's insights using it × log(1 + total / uses anywhere)``
(class-based TF-IDF against the other groups given), longer phrases get a small bonus, and phrases
from insights in the workspace's language come first. Words flagged as a person's name (spaCy PER,
or capitalised inside a sentence) never enter a label. One-insight groups get no label (« autres »).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Final

from insights.themes.features import FILLER, fold
from insights.themes.types import Reading, Word

NOUNS: Final = frozenset({"NOUN", "PROPN"})
LINKS: Final = frozenset({"de", "d'", "du", "des", "à", "au", "aux", "en", "of", "for"})
ARTICLES: Final = frozenset({"la", "le", "l'", "les", "the"})
MAX_WORDS: Final = 4
# A big theme's label is read from its first LABEL_SAMPLE insights: enough to name it, bounded time.
LABEL_SAMPLE: Final = 500
OTHERS_LABEL: Final = "autres"
OTHERS_LABEL_EN: Final = "others"
Phrase = tuple[str, ...]  # folded forms, for counting


def _usable(word: Word) -> bool:
    if word.person or word.pos not in NOUNS | {"ADJ"}:
        return False
    if not word.text[:1].isalpha() or not word.text[-1:].isalpha() or any(c.isdigit() for c in word.text):
        return False
    if len(word.text) < 3 and not word.text.isupper():
        return False
    # spaCy's French stop list holds nouns that name subjects (« numéro », « retour »): nouns are kept.
    return fold(word.lemma) not in FILLER and fold(word.text) not in FILLER and (word.pos in NOUNS or not word.is_stop)


def _phrases(words: Sequence[Word], lang: str) -> list[tuple[Phrase, str]]:
    """Noun phrases of one insight: (folded key, text as written)."""
    found: list[tuple[Phrase, str]] = []
    for i, head in enumerate(words):
        if not _usable(head) or head.pos not in NOUNS:
            continue
        # NOUN ADJ (fr) / ADJ NOUN, NOUN NOUN (en)
        if i + 1 < len(words) and _usable(words[i + 1]) and (lang == "fr" or words[i + 1].pos in NOUNS):
            found.append(_phrase(words[i : i + 2]))
        # NOUN de/à (la) NOUN
        j = i + 1
        if j < len(words) and words[j].text.lower() in LINKS:
            k = j + 1
            if k < len(words) and words[k].text.lower() in ARTICLES:
                k += 1
            if k < len(words) and _usable(words[k]) and words[k].pos in NOUNS and k - i + 1 <= MAX_WORDS:
                found.append(_phrase(words[i : k + 1]))
        if lang == "en" and i > 0 and _usable(words[i - 1]) and words[i - 1].pos == "ADJ":
            found.append(_phrase(words[i - 1 : i + 1]))
    return found


def _phrase(words: Sequence[Word]) -> tuple[Phrase, str]:
    text = " ".join(w.text for w in words).replace("' ", "'").replace("’ ", "’")
    return tuple(fold(w.lemma) for w in words), text


def _nouns(words: Sequence[Word]) -> list[tuple[Phrase, str]]:
    return [((fold(w.lemma),), w.text) for w in words if _usable(w) and w.pos in NOUNS]


def _lowercase_start(text: str) -> str:
    """« Livraison » at a sentence start reads « livraison »; "FrigoSense", "VPN" stay as written."""
    head = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if head[:1].isupper() and head[1:].islower() else text


class _Counts:
    def __init__(self) -> None:
        self.docs: Counter[Phrase] = Counter()
        self.forms: dict[Phrase, Counter[str]] = {}

    def add(self, items: Sequence[tuple[Phrase, str]]) -> None:
        for key in {key for key, _ in items}:
            self.docs[key] += 1
        for key, text in items:
            self.forms.setdefault(key, Counter())[text] += 1


def _written(counter: Counter[str]) -> str:
    # The form written most often; ties by text, so every replica picks the same one.
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def group_labels(
    groups: Sequence[Sequence[Reading]], workspace_lang: str = "fr", min_size: int = 2
) -> list[str | None]:
    """One label per group (None for groups smaller than ``min_size``), scored against the other groups."""
    phrase_counts = [_Counts() for _ in groups]
    noun_counts = [_Counts() for _ in groups]
    for g, group in enumerate(groups):
        for reading in group[:LABEL_SAMPLE]:
            phrase_counts[g].add(_phrases(reading.words, reading.lang))
            noun_counts[g].add(_nouns(reading.words))
    anywhere_p: Counter[Phrase] = Counter()
    anywhere_n: Counter[Phrase] = Counter()
    for counts in phrase_counts:
        anywhere_p.update(counts.docs)
    for counts in noun_counts:
        anywhere_n.update(counts.docs)
    total = sum(len(g) for g in groups) or 1
    return [
        _label(group, phrase_counts[g], noun_counts[g], anywhere_p, anywhere_n, total, workspace_lang)
        if len(group) >= min_size
        else None
        for g, group in enumerate(groups)
    ]


def _score(docs: int, size: int, anywhere: int, total: int) -> float:
    return docs / size * math.log1p(total / anywhere)


def _label(
    group: Sequence[Reading],
    phrases: _Counts,
    nouns: _Counts,
    anywhere_p: Counter[Phrase],
    anywhere_n: Counter[Phrase],
    total: int,
    workspace_lang: str,
) -> str:
    size = min(len(group), LABEL_SAMPLE)
    own_lang = {fold(w.text) for r in group[:LABEL_SAMPLE] if r.lang == workspace_lang for w in r.words}

    def lang_bonus(key: Phrase) -> float:
        return 1.3 if all(part in own_lang for part in key) else 1.0

    shared = [k for k, n in phrases.docs.items() if n >= 2]
    if shared:
        best = max(
            shared,
            key=lambda k: (
                _score(phrases.docs[k], size, anywhere_p[k], total) * (1 + 0.1 * len(k)) * lang_bonus(k),
                "".join(k),
            ),
        )
        return _lowercase_start(_written(phrases.forms[best]))
    noun_score = {k[0]: _score(n, size, anywhere_n[k], total) for k, n in nouns.docs.items() if n >= 2 or size == 1}
    joined = [k for k in phrases.docs if sum(part in noun_score for part in k) >= 2]
    if joined:
        best = max(joined, key=lambda k: (sum(noun_score.get(part, 0.0) for part in k) * lang_bonus(k), "".join(k)))
        return _lowercase_start(_written(phrases.forms[best]))
    ranked = sorted(
        nouns.docs,
        key=lambda k: (-_score(nouns.docs[k], size, anywhere_n[k], total) * lang_bonus(k), "".join(k)),
    )
    words: list[str] = []
    for key in ranked:
        text = _lowercase_start(_written(nouns.forms[key]))
        if fold(text) not in {fold(w) for w in words}:
            words.append(text)
        if len(words) == 2:
            break
    if len(words) == 2:
        return f"{words[0]}, {words[1]}"
    if words:
        return words[0]
    return OTHERS_LABEL if workspace_lang == "fr" else OTHERS_LABEL_EN


def label_words(label: str) -> list[str]:
    """The words of a label (punctuation between them dropped)."""
    return [w.strip(",") for w in label.split() if w.strip(",")]
