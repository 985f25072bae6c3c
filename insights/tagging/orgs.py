"""Organisations named in an insight: the workspace's known customers and competitors first, then
capitalised names scored by cue words, company suffixes and spaCy's entities.

spaCy's ORG label alone is wrong more often than right on these messages (it calls « Maison Ribaud »
a person and « Épicerie Fine Marceau » a place), so it is one clue among others here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.lang.fr.stop_words import STOP_WORDS as FR_STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from insights.tagging.org_words import (
    ARTICLES,
    COMPETITOR_CUES,
    CONNECTORS,
    CUSTOMER_CUES,
    MIN_SCORE,
    NOT_ORGS,
    ORG_HEADS,
    ORG_SUFFIXES,
    PERSON_CUES,
    PLACE_CUES,
    SENTENCE_END,
    SUBJECT_VERBS,
    VENDOR_CUES,
)
from insights.types import KnownOrgs

NO_KNOWN_ORGS = KnownOrgs()
STOP_WORDS = frozenset(FR_STOP_WORDS) | frozenset(EN_STOP_WORDS)
Role = Literal["customer", "competitor", "vendor", "unknown"]


@dataclass(frozen=True)
class OrgMention:
    """A possible organisation in the text, with how sure we are and what it is to us if we know."""

    text: str
    start: int
    end: int
    score: float
    role: Role = "unknown"
    competitor_cue: bool = False


_matchers: dict[tuple[int, KnownOrgs], PhraseMatcher] = {}
_matchers_lock = threading.Lock()


def _matcher(vocab: Vocab, known: KnownOrgs) -> PhraseMatcher:
    """One case-insensitive matcher per pipeline and list of known organisations, built once and reused."""
    key = (id(vocab), known)
    with _matchers_lock:
        matcher = _matchers.get(key)
        if matcher is None:
            if len(_matchers) > 256:
                _matchers.clear()
            matcher = PhraseMatcher(vocab, attr="LOWER")
            # Names are split on spaces and elided articles, as the tokenizer splits plain names; building
            # Docs by hand avoids running (and locking) the pipeline's tokenizer here.
            for label, names in (("customer", known.customers), ("competitor", known.competitors)):
                patterns = [Doc(vocab, words=_split(n)) for n in names if n.strip()]
                if patterns:
                    matcher.add(label, patterns)
            _matchers[key] = matcher
    return matcher


def _split(name: str) -> list[str]:
    words: list[str] = []
    for part in name.split():
        if part.lower().startswith(("l'", "d'")) and len(part) > 2:
            words.extend([part[:2], part[2:]])
        else:
            words.append(part)
    return words


def known_mentions(doc: Doc, known: KnownOrgs) -> list[OrgMention]:
    """Known customers and competitors found in the document, whatever their case."""
    if not known.customers and not known.competitors:
        return []
    matcher = _matcher(doc.vocab, known)
    out: list[OrgMention] = []
    for match_id, start, end in matcher(doc):
        span = doc[start:end]
        role: Role = "competitor" if doc.vocab.strings[match_id] == "competitor" else "customer"
        out.append(OrgMention(span.text, span.start_char, span.end_char, 10.0, role, _competitor_cue(doc, start)))
    return out


def _is_name_token(tok: Token) -> bool:
    text = tok.text
    if not text[:1].isupper() or not any(c.isalpha() for c in text):
        return False
    return not any(c.isdigit() for c in text)


def _sentence_initial(doc: Doc, i: int) -> bool:
    while i > 0 and doc[i - 1].lower_ in ARTICLES:
        i -= 1
    return (
        i == 0
        or doc[i - 1].text in SENTENCE_END
        or doc[i - 1].is_space
        or not doc[i - 1].is_ascii
        and (not doc[i - 1].is_alpha)
    )


def _competitor_cue(doc: Doc, start: int) -> bool:
    window = [t.lower_ for t in doc[max(0, start - 3) : start]]
    if any(w in COMPETITOR_CUES for w in window):
        return True
    before = " ".join(t.lower_ for t in doc[max(0, start - 12) : start])
    return start > 0 and doc[start - 1].lower_ in {"to", "from"} and ("lost" in before or "won" in before)


def _splits_at_connector(doc: Doc, start: int, j: int) -> bool:
    """« DSI de Leroy Merlin », "COO of Alpine Dairy": a job title or acronym is not the start of a name."""
    if j - start != 1:
        return False
    text = doc[start].text
    return text.isupper() or any(c.isupper() for c in text[1:]) or text.lower().rstrip("'’") in NOT_ORGS


def _runs(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of capitalised names, joined over « de », « & », « d' », hyphens and glued apostrophes."""
    runs: list[tuple[int, int]] = []
    i, n = 0, len(doc)
    while i < n:
        if not _is_name_token(doc[i]) or doc[i].lower_ in ARTICLES and i + 1 < n and _is_name_token(doc[i + 1]):
            i += 1
            continue
        j = i + 1
        while j < n:
            tok, prev = doc[j], doc[j - 1]
            glued = not prev.whitespace_ and (prev.text.endswith(("'", "’", "-")) or tok.text in {"-"})
            nxt = j + 1 < n and _is_name_token(doc[j + 1])
            if _is_name_token(tok) or glued and tok.is_alpha:
                j += 1
            elif tok.text == "-" and not prev.whitespace_ and nxt:
                j += 2
            elif tok.lower_ in CONNECTORS and nxt and not _splits_at_connector(doc, i, j):
                j += 2
            elif tok.lower_ in ARTICLES and nxt and doc[i].lower_ in ORG_HEADS:
                j += 2
            else:
                break
        # "FYI ColdTrack", "Merci Acme": a leading tag word is not part of the name.
        while j - i > 1 and doc[i].lower_.rstrip("'’") in NOT_ORGS:
            i += 1
        runs.append((i, j))
        i = j
    return runs


def _score(doc: Doc, start: int, end: int, is_common: Callable[[str], bool]) -> tuple[float, Role] | None:
    span = doc[start:end]
    words = [t for t in span if t.is_alpha or "'" in t.text]
    first, last = span[0].lower_.rstrip("'’"), span[-1].lower_
    if len(words) == 1 and (first in NOT_ORGS or (span.text.isupper() and len(span.text) <= 5)):
        return None
    sentence_initial = _sentence_initial(doc, start)
    mixed_case = any(c.isupper() for c in span.text[1:].replace(" ", "")) and not span.text.isupper()
    head = first in ORG_HEADS
    suffix = last in ORG_SUFFIXES and len(span) > 1
    after = doc[end].lower_ if end < len(doc) else ""
    verb_after = after in SUBJECT_VERBS or (end < len(doc) and doc[end].pos_ in {"VERB", "AUX"})
    score = 0.5 * (len(span) > 1) + 2.0 * head + 2.0 * suffix + 1.5 * mixed_case
    if sentence_initial and len(span) == 1 and is_common(first) and not mixed_case:
        # « Rupture sur… », "Support cleared…" are words; « Biocoop menace… » is a name used as a subject.
        if not (verb_after and span[0].pos_ in {"PROPN", "NOUN", "X", ""}):
            return None
        score -= 0.5
    score += 1.0 * (not is_common(first) or len(span) > 1 and not is_common(last))
    before = [t.lower_ for t in doc[max(0, start - 2) : start]]
    role: Role = "unknown"
    customer_cue = any(w in CUSTOMER_CUES for w in before)
    if customer_cue:
        score += 2.0
    elif any(w in VENDOR_CUES for w in before) or first == "transports":
        role = "vendor"
    if before and before[-1] in PERSON_CUES or before[-2:] == ["grâce", "à"]:
        score -= 1.5
    if (
        before
        and before[-1] in PLACE_CUES
        and not head
        and not _competitor_cue(doc, start)
        and before[-2:-1] != ["grâce"]
    ):
        score -= 1.5
    if verb_after or after in {"'s", "'", "’s"}:
        score += 1.0
    if _competitor_cue(doc, start):
        score += 1.0
    labels = {t.ent_type_ for t in span if t.ent_type_}
    score += 1.5 * ("ORG" in labels) + 0.5 * bool(labels & {"MISC", "PER"}) - 0.5 * ("LOC" in labels and not head)
    return score, role


def find_orgs(
    doc: Doc, known: KnownOrgs = NO_KNOWN_ORGS, is_common: Callable[[str], bool] | None = None
) -> list[OrgMention]:
    """Organisations in ``doc``, best first: known ones, then capitalised names with a positive score."""
    common = is_common or (lambda w: get_string_id(w) in doc.vocab.vectors or w in STOP_WORDS)
    found = known_mentions(doc, known)
    taken = [(m.start, m.end) for m in found]
    for start, end in _runs(doc):
        span: Span = doc[start:end]
        if any(s < span.end_char and span.start_char < e for s, e in taken):
            continue
        scored = _score(doc, start, end, common)
        if scored is None or scored[0] < MIN_SCORE:
            continue
        score, role = scored
        text = span.text
        found.append(OrgMention(text, span.start_char, span.end_char, score, role, _competitor_cue(doc, start)))
    return sorted(found, key=lambda m: (-m.score, m.start))
