"""How likely a candidate name is an organisation, and what it is to us, from its words and its context.

Clues: an institutional head word or a company suffix, mixed case, words no dictionary knows, a customer
cue before it (« chez », « client »), a verb or "'s" after it, a competitor cue before it (« contre »,
"lost … to"), and spaCy's ORG (+) / LOC (−) when the pipeline has NER. People are never organisations:
a run that starts with a first name, or one spaCy calls a person with a first name, is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from spacy.tokens import Doc

from insights.tagging.org_names import sentence_initial
from insights.tagging.org_words import (
    ARTICLES,
    COMPETITOR_BEFORE,
    COMPETITOR_PHRASES,
    CONTRACTED,
    CUSTOMER_CUES,
    FIRST_NAMES,
    NOT_ORGS,
    ORG_SUFFIXES,
    PERSON_CUES,
    PLACE_CUES,
    PRODUCT_CUES,
    SENTENCE_END,
    SUBJECT_VERBS,
    VENDOR_CUES,
    VENDOR_HEADS,
)

OrgRole = Literal["customer", "competitor", "vendor", "unknown"]
_PERSON_LABELS = frozenset({"PER", "PERSON"})
_PLACE_LABELS = frozenset({"LOC", "GPE", "FAC"})
_POSSESSIVE = frozenset({"'s", "’s", "'", "’"})
_SKIP_BEFORE_VERB = frozenset(
    {"ne", "n'", "n’", "nous", "se", "s'", "qui", "who", "just", "now", "also", "still", "y", "really"}
)
_LOST = re.compile(r"\blost\b|\blose\b|\bwon\b")


def words_before(doc: Doc, start: int, k: int) -> list[str]:
    """Up to ``k`` lower-case words before ``start`` in its sentence, skipping articles and contracted ones."""
    words: list[str] = []
    i = start - 1
    while i >= 0 and len(words) < k:
        low = doc[i].lower_
        if doc[i].text in SENTENCE_END and doc[i].text != "-":
            break
        if low not in ARTICLES and low not in CONTRACTED:
            words.append(low)
        i -= 1
    return words[::-1]


def competitor_cue(doc: Doc, start: int) -> bool:
    """The name at token ``start`` follows « contre », « face à », « au profit de », "lost … to", "beaten by"."""
    before = words_before(doc, start, 4)
    if before and before[-1] in COMPETITOR_BEFORE:
        return True
    raw = [t.lower_ for t in doc[max(0, start - 4) : start]]
    if any(tuple(raw[-len(phrase) :]) == phrase for phrase in COMPETITOR_PHRASES):
        return True
    # "lost the Marston Foods renewal to X"
    window = " ".join(t.lower_ for t in doc[max(0, start - 14) : start])
    return start > 0 and doc[start - 1].lower_ == "to" and bool(_LOST.search(window))


def _verb_after(doc: Doc, end: int) -> bool:
    k = end
    while k < len(doc) and doc[k].lower_ in _SKIP_BEFORE_VERB:
        k += 1
    if k >= len(doc):
        return False
    return doc[k].lower_ in SUBJECT_VERBS or doc[k].pos_ in {"VERB", "AUX"}


def _is_person(first: str, last: str, words: list[str], labels: set[str], is_common: Callable[[str], bool]) -> bool:
    """« Kevin », « Sophie Martin », "Julia": never an organisation."""
    if first in FIRST_NAMES and last not in ORG_SUFFIXES:
        return True
    if labels & _PERSON_LABELS and len(words) == 2 and last not in ORG_SUFFIXES:
        return words[0] in FIRST_NAMES or (not is_common(words[1]) and not is_common(words[0]))
    return False


def score_name(
    doc: Doc, start: int, end: int, head: bool, is_common: Callable[[str], bool]
) -> tuple[float, OrgRole] | None:
    """The score of ``doc[start:end]`` as an organisation and its role, or None when it is surely not one."""
    span = doc[start:end]
    words = [t.lower_ for t in span if t.is_alpha]
    if not words:
        return None
    first, last = span[0].lower_, span[-1].lower_
    labels = {t.ent_type_ for t in span if t.ent_type_}
    before = words_before(doc, start, 3)
    prev = before[-1] if before else ""
    if not head and len(words) == 1 and (first in NOT_ORGS or (span.text.isupper() and len(span.text) <= 5)):
        return None
    if not head and _is_person(first, last, words, labels, is_common):
        return None
    suffix = last in ORG_SUFFIXES and len(words) > 1
    mixed = any(c.isupper() for c in span.text[1:].replace(" ", "").replace("-", "")) and not span.text.isupper()
    after = doc[end].lower_ if end < len(doc) else ""
    verb_after = _verb_after(doc, end)
    possessive = after in _POSSESSIVE
    customer = prev in CUSTOMER_CUES
    competitor = competitor_cue(doc, start)
    score = 3.0 * head + 3.0 * suffix + 1.5 * mixed + 0.5 * (len(words) > 1)
    score += 1.0 * (not is_common(first) or (len(words) > 1 and not is_common(last)))
    if not head and sentence_initial(doc, start) and len(words) == 1 and not mixed and is_common(first):
        # « Rupture sur… », "Support cleared…" are words; « Biocoop menace… » is a name used as a subject, and
        # so is "Acme dropped…" though "acme" is in the dictionary (a verb of SUBJECT_VERBS right after it).
        if not verb_after or span[0].is_stop:
            return None
        score -= 0.0 if doc[end].lower_ in SUBJECT_VERBS else 0.5
    score += 2.0 * customer + 1.0 * verb_after + 1.5 * possessive + 1.0 * competitor
    if "ORG" in labels:
        score += 1.5
    elif labels & _PLACE_LABELS and not (head or suffix or customer or possessive):
        score -= 0.5
    if prev in PERSON_CUES or before[-2:] == ["grâce", "à"]:
        score -= 2.0
    if prev in PRODUCT_CUES and not (head or suffix):
        score -= 2.5
    if prev in PLACE_CUES and not (head or suffix or competitor or customer) and len(words) == 1:
        score -= 1.5
    role: OrgRole = "vendor" if first in VENDOR_HEADS or any(w in VENDOR_CUES for w in before) else "unknown"
    return score, role
