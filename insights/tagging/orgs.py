"""Organisations named in an insight, best first: the workspace's known names, then institutional names
built on a head word (« CHU de Valmont »), then other capitalised names scored by their context.

spaCy's NER is one clue among others here (:mod:`insights.tagging.org_score`): on these short messages it
calls « Biocoop Lyon » a place and « Logistar » a person, and the blank English pipeline has no NER at all.
Names are kept as written, without a leading article.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from spacy.strings import get_string_id
from spacy.tokens import Doc

from insights.tagging.known import NO_KNOWN_ORGS
from insights.tagging.org_names import name_runs
from insights.tagging.org_score import OrgRole, competitor_cue, score_name, words_before
from insights.tagging.org_words import CUSTOMER_CUES
from insights.tagging.stop_words import EN_STOP_WORDS, FR_STOP_WORDS
from insights.types import KnownOrgs

__all__ = ["NO_KNOWN_ORGS", "STOP_WORDS", "OrgMention", "OrgRole", "find_orgs", "known_mentions"]
STOP_WORDS = frozenset(FR_STOP_WORDS) | frozenset(EN_STOP_WORDS)
Source = Literal["known", "head", "name"]
MIN_SCORE = 1.0
KNOWN_SCORE = 10.0


@dataclass(frozen=True)
class OrgMention:
    """A possible organisation in the text: where (character offsets), how sure, and what it is to us."""

    text: str
    start: int
    end: int
    score: float
    role: OrgRole = "unknown"
    competitor_cue: bool = False
    customer_cue: bool = False
    source: Source = "name"


@dataclass(frozen=True)
class _KnownIndex:
    """A workspace's known names, ready to match: one pattern per name, longest first within its role (competitors,
    then vendors, then customers: « Biocoop Lyon » before « Biocoop »), and which of them each word can start.

    A name can match only where the text holds its first run of word characters as a whole run (the name starts
    after a non-word character and each of its words ends before a space or a non-word character), so one pass
    over the text's words (:data:`_WORDS`) finds the few names worth trying; only those run their pattern, in the
    same order as trying every pattern would, so the matches are the same (case, accents, word boundaries, the
    first name of that order winning an overlap) whatever the number of names."""

    patterns: tuple[tuple[re.Pattern[str], OrgRole], ...]
    by_word: dict[str, tuple[int, ...]]  # a name's first word (:func:`_fold`) → its patterns' positions
    always: tuple[int, ...]  # names without a word character, tried on every text


_known_cache: dict[KnownOrgs, _KnownIndex] = {}
_known_lock = threading.Lock()
_WORDS = re.compile(r"\w+")
_ODD_WORD = "\u0345"  # the one non-word character ``re.IGNORECASE`` takes for a word character (« ι »)


def _fold(word: str) -> str:
    """``word`` with every character ``re.IGNORECASE`` takes for another one made the same (« Évry », « ÉVRY »,
    « évry »; « ſ » and « s »; « İ », « ı », « I » and « i »)."""
    if word.isascii():
        return word.lower()
    out = []
    for c in word:
        folded = c.casefold()
        c = folded if len(folded) == 1 else c.lower()[:1]
        out.append("i" if c == "ı" else c)
    return "".join(out)


def _name_pattern(name: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in name.split()]
    return re.compile(r"(?<![\w'’])" + r"\s+".join(words) + r"(?![\w])", re.IGNORECASE)


def _known_index(known: KnownOrgs) -> _KnownIndex:
    """The index of ``known``, built once per list of names (cached)."""
    with _known_lock:
        index = _known_cache.get(known)
        if index is None:
            if len(_known_cache) > 256:
                _known_cache.clear()
            roles: tuple[tuple[OrgRole, tuple[str, ...]], ...] = (
                ("competitor", known.competitors),
                ("vendor", known.vendors),
                ("customer", known.customers),
            )
            names = [
                (name, role) for role, listed in roles for name in sorted(listed, key=len, reverse=True) if name.strip()
            ]
            by_word: dict[str, list[int]] = {}
            always: list[int] = []
            for i, (name, _) in enumerate(names):
                first = _WORDS.search(name)
                if first is None or _ODD_WORD in name:
                    always.append(i)
                else:
                    by_word.setdefault(_fold(first.group(0)), []).append(i)
            index = _KnownIndex(
                tuple((_name_pattern(name), role) for name, role in names),
                {word: tuple(found) for word, found in by_word.items()},
                tuple(always),
            )
            _known_cache[known] = index
    return index


def _known_patterns(known: KnownOrgs) -> tuple[tuple[re.Pattern[str], OrgRole], ...]:
    """One pattern per known name, in the order they are tried (see :class:`_KnownIndex`)."""
    return _known_index(known).patterns


def _mentions(doc: Doc, text: str, patterns: Iterable[tuple[re.Pattern[str], OrgRole]]) -> list[OrgMention]:
    out: list[OrgMention] = []
    for pattern, role in patterns:
        for m in pattern.finditer(text):
            if any(o.start < m.end() and m.start() < o.end for o in out):
                continue
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            cue = competitor_cue(doc, span.start) if span is not None else False
            out.append(OrgMention(m.group(0), m.start(), m.end(), KNOWN_SCORE, role, cue, False, "known"))
    return out


def known_mentions(doc: Doc, known: KnownOrgs) -> list[OrgMention]:
    """Known customers, competitors and suppliers in ``doc``, whatever their case, as written."""
    if not known:
        return []
    text = doc.text  # built from the tokens on each access: once per document, not once per known name
    index = _known_index(known)
    if _ODD_WORD in text:
        tried: Iterable[int] = range(len(index.patterns))
    else:
        found = set(index.always)
        for word in set(_WORDS.findall(text)):
            found.update(index.by_word.get(_fold(word), ()))
        tried = sorted(found)
    return _mentions(doc, text, (index.patterns[i] for i in tried))


def known_mentions_one_by_one(doc: Doc, known: KnownOrgs) -> list[OrgMention]:
    """:func:`known_mentions` trying every name's pattern on the text (what it did before the index): the
    reference the index is measured and tested against."""
    if not known:
        return []
    return _mentions(doc, doc.text, _known_patterns(known))


def find_orgs(
    doc: Doc, known: KnownOrgs = NO_KNOWN_ORGS, is_common: Callable[[str], bool] | None = None
) -> list[OrgMention]:
    """Organisations in ``doc``, best first (known ones, then by score, then by position).

    ``is_common(word)`` tells dictionary words from names (« Rupture » from « Kelvio »); when not given,
    stop words and the words of the pipeline's vectors (hashed, so the string store does not grow).
    """
    vectors = doc.vocab.vectors
    common = is_common or (lambda w: w in STOP_WORDS or get_string_id(w) in vectors)
    found = known_mentions(doc, known)
    for start, end, head in name_runs(doc):
        span = doc[start:end]
        if any(m.start < span.end_char and span.start_char < m.end for m in found):
            continue
        scored = score_name(doc, start, end, head, common)
        if scored is None or scored[0] < MIN_SCORE:
            continue
        prev = words_before(doc, start, 1)
        found.append(
            OrgMention(
                span.text,
                span.start_char,
                span.end_char,
                scored[0],
                scored[1],
                competitor_cue(doc, start),
                bool(prev and prev[0] in CUSTOMER_CUES),
                "head" if head else "name",
            )
        )
    return sorted(found, key=lambda m: (-m.score, m.start))
