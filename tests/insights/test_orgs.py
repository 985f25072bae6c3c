from __future__ import annotations

import pytest
from spacy.language import Language

from insights.tagging.orgs import find_orgs
from insights.types import KnownOrgs

pytestmark = pytest.mark.slow


def _names(nlp: Language, text: str) -> list[str]:
    return [m.text for m in find_orgs(nlp(text))]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Les Laboratoires Vernier ont reçu trois fois la même facture.", "Laboratoires Vernier"),
        ("L'Épicerie Fine Marceau attend son remplacement depuis 5 semaines.", "Épicerie Fine Marceau"),
        ("Le groupe Cuisines du Soleil veut une offre pour 8 restos.", "Cuisines du Soleil"),
        ("Devis validé pour Vandermeer Fresh BV grâce à Léa.", "Vandermeer Fresh BV"),
        ("Coop'Alpes est prête à signer pour 25 magasins.", "Coop'Alpes"),
        ("Pâtisseries Roux & Fils ouvre 4 nouvelles boutiques.", "Pâtisseries Roux & Fils"),
    ],
)
def test_orgs_best_candidate_is_the_name_without_article(fr: Language, text: str, name: str) -> None:
    assert _names(fr, text)[0] == name


def test_orgs_known_names_match_whatever_the_case(fr: Language) -> None:
    mentions = find_orgs(fr("on a croisé les gens de acme au salon"), KnownOrgs(competitors=("Acme",)))
    assert [(m.text, m.role) for m in mentions][:1] == [("acme", "competitor")]


def test_orgs_skip_tools_acronyms_and_sentence_words(fr: Language) -> None:
    names = _names(fr, "Rupture sur les GW-2. Le CRM et l'ERP plantent, le DG est en déplacement.")
    assert names == []


def test_orgs_carriers_and_suppliers_are_vendors(fr: Language) -> None:
    roles = {m.text: m.role for m in find_orgs(fr("Notre transporteur Lenoir a perdu deux palettes."))}
    assert roles.get("Lenoir") == "vendor"


def test_orgs_english_blank_pipeline(en_blank: Language) -> None:
    assert _names(en_blank, "Lost the Bristol deal to Coldwise, their quote was cheaper.")[:2] != []
    mentions = find_orgs(en_blank("Lost the Bristol deal to Coldwise, their quote was cheaper."))
    assert any(m.text == "Coldwise" and m.competitor_cue for m in mentions)
