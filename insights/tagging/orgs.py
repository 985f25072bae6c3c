"""Organisations named in an insight, best first: the workspace's known names, then institutional names
built on a head word (« CHU de Valmont »), then other capitalised names scored by their context.

spaCy's NER is one clue among others here (:mod:`insights.tagging.org_score`): on these short messages it
calls « Biocoop Lyon » a place and « Logistar » a person, and the blank English pipeline has no NER at all.
Names are kept as written, without a leading article.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
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


_known_cache: dict[KnownOrgs, list[tuple[re.Pattern[str], OrgRole]]] = {}
_known_lock = threading.Lock()


def _name_pattern(name: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in name.split()]
    return re.compile(r"(?<![\w'’])" + r"\s+".join(words) + r"(?![\w])", re.IGNORECASE)


def _known_patterns(known: KnownOrgs) -> list[tuple[re.Pattern[str], OrgRole]]:
    """One pattern per known name, longest first (« Biocoop Lyon » before « Biocoop »), built once per list."""
    with _known_lock:
        patterns = _known_cache.get(known)
        if patterns is None:
            if len(_known_cache) > 256:
                _known_cache.clear()
            roles: tuple[tuple[OrgRole, tuple[str, ...]], ...] = (
                ("competitor", known.competitors),
                ("vendor", known.vendors),
                ("customer", known.customers),
            )
            patterns = [
                (_name_pattern(name), role)
                for role, names in roles
                for name in sorted(names, key=len, reverse=True)
                if name.strip()
            ]
            _known_cache[known] = patterns
    return patterns


def known_mentions(doc: Doc, known: KnownOrgs) -> list[OrgMention]:
    """Known customers, competitors and suppliers in ``doc``, whatever their case, as written."""
    if not known:
        return []
    out: list[OrgMention] = []
    text = doc.text  # built from the tokens on each access: once per document, not once per known name
    for pattern, role in _known_patterns(known):
        for m in pattern.finditer(text):
            if any(o.start < m.end() and m.start() < o.end for o in out):
                continue
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            cue = competitor_cue(doc, span.start) if span is not None else False
            out.append(OrgMention(m.group(0), m.start(), m.end(), KNOWN_SCORE, role, cue, False, "known"))
    return out


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
