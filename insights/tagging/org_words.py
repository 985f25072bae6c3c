"""Word lists that tell organisation names from other capitalised words (see :mod:`insights.tagging.orgs`).

They live in ``insights/data/org_words.json`` and ``first_names.json`` (lower-case, compared with
``token.lower_``), edited without touching code; names themselves keep their case as written.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Final


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("insights").joinpath(f"data/{name}").read_text("utf-8"))
    return data


_WORDS = _load("org_words.json")


def _set(key: str) -> frozenset[str]:
    return frozenset(_WORDS[key])


ARTICLES: Final = _set("articles")
# Contracted articles that may stand before a name (« du CHU de Valmont ») and are never part of it.
CONTRACTED: Final = _set("contracted")
# Words that join two capitalised parts of one name: « Pâtisseries Roux & Fils », « Saveurs d'Armor ».
CONNECTORS: Final = _set("connectors")
# Head words that start an organisation's name and belong to it: « CHU de Valmont », « EHPAD Les Glycines ».
ORG_HEADS: Final = _set("org_heads")
# Lower-case complements of a head (« Conseil départemental », « Centre hospitalier »).
HEAD_COMPLEMENTS: Final = _set("head_complements")
# Multi-word heads joined by a connector: « Communauté de communes du Val d'Orbe ».
HEAD_CONNECTED_COMPLEMENTS: Final = _set("head_connected_complements")
# Last words that make the run before them a company: "Kestrel Pharma", « Vandermeer Fresh BV ».
ORG_SUFFIXES: Final = _set("org_suffixes")
# Tools, platforms, calendar and tag words that look like names but are never a customer.
NOT_ORGS: Final = _set("not_orgs")
# « le client Moulinex », « chez Biocoop », "customer Acme": the next name is a customer or prospect.
CUSTOMER_CUES: Final = _set("customer_cues")
# « le fournisseur X », "our supplier X": the next name is someone we buy from.
VENDOR_CUES: Final = _set("vendor_cues")
# Heads that make the organisation a supplier whatever the context (« Transports Gavard »).
VENDOR_HEADS: Final = _set("vendor_heads")
# Right before a name, these make it a competitor: « contre X », "versus X".
COMPETITOR_BEFORE: Final = _set("competitor_before")
# Phrases right before a name that make it a competitor: « au profit de X », "lost to X", "beaten by X".
COMPETITOR_PHRASES: Final[tuple[tuple[str, ...], ...]] = tuple(tuple(p) for p in _WORDS["competitor_phrases"])
# A name right after these is a product, not an organisation: « le nouveau capteur LoRa de Kelvio ».
PRODUCT_CUES: Final = _set("product_cues")
# Words for a person right before a name: « merci Sophie », "thanks Julia".
PERSON_CUES: Final = _set("person_cues")
# A name right after these is often a place: « à Lyon », "in Leeds".
PLACE_CUES: Final = _set("place_cues")
# Verbs that often follow an organisation used as a subject.
SUBJECT_VERBS: Final = _set("subject_verbs")
# Verbs that open a message before a name: "Visited Kingsbridge University Hospital", « Rencontré Biocoop ».
SENTENCE_OPENERS: Final = _set("sentence_openers")
SENTENCE_END: Final = _set("sentence_end")
# Common first names: a capitalised run that starts with one is a person.
FIRST_NAMES: Final = frozenset(_load("first_names.json")["first_names"])
