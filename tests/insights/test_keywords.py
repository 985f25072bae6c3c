from __future__ import annotations

import pytest
from spacy.language import Language

from insights.tagging.keywords import MAX_KEYWORDS, STOP_WORDS, entities, keywords
from insights.tagging.orgs import find_orgs
from insights.types import Entity, KnownOrgs

pytestmark = pytest.mark.slow


def test_keywords_are_lowercased_lemmas_of_content_words(fr: Language) -> None:
    words = keywords(fr("Les livraisons vers Marseille sont encore en retard, les clients appellent le standard."))
    assert "livraison" in words and "retard" in words and "marseille" in words
    assert all(w == w.lower() and w not in STOP_WORDS for w in words)


def test_keywords_are_deduplicated_and_capped(fr: Language) -> None:
    text = " ".join(
        ["La facture du client est fausse, la facture suivante aussi."]
        + [f"Le produit {w} est arrivé cassé." for w in ("rouge", "bleu", "vert", "jaune", "noir", "blanc", "gris")]
    )
    words = keywords(fr(text))
    assert len(words) == MAX_KEYWORDS
    assert len(set(words)) == len(words)
    assert words[0] in {"facture", "produit"}  # the repeated words come first


def test_keywords_english_blank_pipeline(en_blank: Language) -> None:
    words = keywords(en_blank("The invoices were printed twice and the printer jammed, invoices everywhere"))
    assert words[0] == "invoice"
    assert "printer" in words and "the" not in words


def test_entities_put_known_orgs_first_and_drop_plain_words(fr: Language) -> None:
    doc = fr("Super, Biocoop a encore appelé le VPN du siège")
    found = entities(doc, find_orgs(doc, KnownOrgs(customers=("Biocoop",))), lambda w: fr.vocab.has_vector(w))
    assert Entity("Biocoop", "ORG") in found
    assert all(e.text not in {"Super", "VPN"} for e in found)
