"""Keywords (lemmas of content words) and entities of a tagged insight."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from spacy.tokens import Doc, Token

from insights.tagging.org_words import NOT_ORGS
from insights.tagging.orgs import OrgMention
from insights.tagging.stop_words import STOP_WORDS
from insights.types import Entity

CONTENT_POS = frozenset({"NOUN", "PROPN", "ADJ", "VERB"})
MAX_KEYWORDS = 8
_POS_RANK = {"NOUN": 0, "PROPN": 0, "ADJ": 1, "VERB": 2}


def _is_content(token: Token, has_pos: bool) -> bool:
    if has_pos and token.pos_ not in CONTENT_POS:
        return False
    if not token.is_alpha or token.like_url or token.like_email or len(token.text) < 2:
        return False
    lemma = token.lemma_.lower() or token.lower_
    return token.lower_ not in STOP_WORDS and lemma not in STOP_WORDS and len(lemma) >= 2


def keywords(doc: Doc, limit: int = MAX_KEYWORDS) -> tuple[str, ...]:
    """The insight's most telling lemmas, lower-cased and deduplicated: frequent first, nouns before verbs."""
    has_pos = doc.has_annotation("POS")
    counts: Counter[str] = Counter()
    rank: dict[str, tuple[int, int]] = {}
    for i, token in enumerate(doc):
        if not _is_content(token, has_pos):
            continue
        lemma = (token.lemma_ or token.text).lower()
        counts[lemma] += 1
        rank.setdefault(lemma, (_POS_RANK.get(token.pos_, 0), i))
    ordered = sorted(counts, key=lambda w: (-counts[w], rank[w][0], rank[w][1]))
    return tuple(ordered[:limit])


def entities(
    doc: Doc,
    orgs: Sequence[OrgMention] = (),
    is_common: Callable[[str], bool] | None = None,
    min_org_score: float = 2.5,
) -> tuple[Entity, ...]:
    """Named things in the insight: known and likely organisations as ORG first, then spaCy's other entities.

    spaCy's single-word entities that are plain words or tool names (« Super », "VPN") are left out.
    """
    found: list[tuple[int, int, Entity]] = []
    for org in orgs:
        if org.role in ("customer", "competitor") or org.score >= min_org_score:
            if not any(s < org.end and org.start < e for s, e, _ in found):
                found.append((org.start, org.end, Entity(org.text, "ORG")))
    for ent in doc.ents:
        word = ent.text.lower()
        if len(ent) == 1 and (word in NOT_ORGS or word in STOP_WORDS or (is_common is not None and is_common(word))):
            continue
        if not any(s < ent.end_char and ent.start_char < e for s, e, _ in found):
            found.append((ent.start_char, ent.end_char, Entity(ent.text, ent.label_)))
    return tuple(entity for _, _, entity in sorted(found, key=lambda f: f[0]))
