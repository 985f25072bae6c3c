"""Candidate organisation names in a ``Doc``: runs of capitalised words, and institutional names built on a
head word (« CHU de Valmont », « EHPAD Les Glycines », « Conseil départemental du Haut-Val »).

Runs grow over « de / du / d' / & » before a capital, over hyphens and glued apostrophes (« Coop'Alpes »,
« Saint-Roch »); a leading cue word (« Chez », « Merci ») or an opening verb ("Visited") is not part of the
name. Which runs are organisations is scored by :mod:`insights.tagging.org_score`.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from insights.tagging.org_words import (
    ARTICLES,
    CONNECTORS,
    CONTRACTED,
    CUSTOMER_CUES,
    HEAD_COMPLEMENTS,
    HEAD_CONNECTED_COMPLEMENTS,
    NOT_ORGS,
    ORG_HEADS,
    ORG_SUFFIXES,
    PERSON_CUES,
    SENTENCE_END,
    SENTENCE_OPENERS,
    VENDOR_CUES,
)

_LEADING_NOISE = NOT_ORGS | CUSTOMER_CUES | PERSON_CUES | VENDOR_CUES | ARTICLES | CONNECTORS | CONTRACTED
_APOSTROPHES_AND_HYPHEN = frozenset({"-", "'", "’"})


def is_cap(tok: Token) -> bool:
    """A word that may belong to a name: capitalised, with letters, without digits."""
    text = tok.text
    if not text[:1].isupper() or not any(c.isalpha() for c in text):
        return False
    return not any(c.isdigit() for c in text)


def is_mixed_case(text: str) -> bool:
    """« ColdTrack », « LoRa »: a capital inside the word."""
    inner = text[1:].replace(" ", "").replace("-", "").replace("'", "")
    return any(c.isupper() for c in inner) and not text.isupper()


def sentence_initial(doc: Doc, i: int) -> bool:
    """``doc[i]`` opens a sentence (articles before it aside)."""
    while i > 0 and (doc[i - 1].lower_ in ARTICLES or doc[i - 1].lower_ in CONTRACTED):
        i -= 1
    return i == 0 or doc[i - 1].text in SENTENCE_END or doc[i - 1].is_space or not doc[i - 1].is_alpha


def _is_head(tok: Token) -> bool:
    return tok.lower_ in ORG_HEADS and (is_cap(tok) or tok.text.isupper())


def _glued(doc: Doc, j: int) -> bool:
    """``doc[j]`` is glued to the previous token (« Coop'Alpes », « Saint-Roch »)."""
    prev = doc[j - 1]
    return not prev.whitespace_ and (prev.text.endswith(("'", "’", "-")) or doc[j].text in _APOSTROPHES_AND_HYPHEN)


def _extend(doc: Doc, i: int, j: int, after_head: bool) -> int:
    """Grow a name from ``doc[i:j]`` over capitalised words, glued parts and connectors before a capital."""
    n = len(doc)
    while j < n:
        tok = doc[j]
        nxt_cap = j + 1 < n and is_cap(doc[j + 1])
        if is_cap(tok) and (tok.lower_ not in NOT_ORGS or tok.lower_ in ORG_SUFFIXES):
            j += 1
        elif _glued(doc, j) and (tok.is_alpha or tok.text in _APOSTROPHES_AND_HYPHEN):
            if tok.text in _APOSTROPHES_AND_HYPHEN:
                if not nxt_cap:
                    break
                j += 2
            else:
                j += 1
        elif tok.text == "&" and nxt_cap:
            j += 2
        elif tok.lower_ in CONNECTORS and nxt_cap and doc[j + 1].lower_ not in NOT_ORGS:
            # « DSI de Leroy Merlin », "COO of Alpine Dairy": a title or acronym does not start a name.
            first = doc[i].text
            if j - i == 1 and not after_head and (first.isupper() or doc[i].lower_ in NOT_ORGS or is_mixed_case(first)):
                break
            j += 2
        else:
            break
    return j


def _head_run(doc: Doc, i: int) -> int | None:
    """End of an institutional name starting with a head word at ``i``, or None."""
    n = len(doc)
    j = i + 1
    # « Conseil départemental », « Centre hospitalier universitaire », « Communauté de communes ».
    while j < n:
        if doc[j].lower_ in HEAD_COMPLEMENTS and doc[j].lower_ not in CONNECTORS:
            j += 1
        elif doc[j].lower_ in CONNECTORS and j + 1 < n and doc[j + 1].lower_ in HEAD_CONNECTED_COMPLEMENTS:
            j += 2
        else:
            break
    k = j
    # « EHPAD Les Glycines », « Hôtel Le Castel », « CHU de Valmont », « Mairie de la Roche ».
    while k < n and (doc[k].lower_ in CONNECTORS or doc[k].lower_ in ARTICLES) and k - j < 2:
        k += 1
    if k < n and is_cap(doc[k]) and doc[k].lower_ not in NOT_ORGS:
        return _extend(doc, i, k + 1, after_head=True)
    return None


def name_runs(doc: Doc) -> list[tuple[int, int, bool]]:
    """Token ranges of candidate names, with whether each starts with an institutional head word."""
    out: list[tuple[int, int, bool]] = []
    i, n = 0, len(doc)
    while i < n:
        tok = doc[i]
        if _is_head(tok):
            end = _head_run(doc, i)
            if end is not None:
                out.append((i, end, True))
                i = end
                continue
        if not is_cap(tok) or tok.lower_ in NOT_ORGS or tok.lower_ in ARTICLES or tok.lower_ in CONNECTORS:
            i += 1
            continue
        j = _extend(doc, i, i + 1, after_head=False)
        # « Chez Maison Tessier », « Merci Acme », "Visited Kingsbridge …": a leading cue word or verb is not
        # part of the name.
        while j - i > 1 and (
            doc[i].lower_ in _LEADING_NOISE or doc[i].lower_ in SENTENCE_OPENERS and sentence_initial(doc, i)
        ):
            i += 1
        if _is_head(doc[i]):
            end = _head_run(doc, i)
            if end is not None:
                out.append((i, end, True))
                i = max(end, j)
                continue
        out.append((i, j, False))
        i = j
    return out
