from __future__ import annotations

import pytest
from spacy.language import Language

from insights.tagging.known import build_known
from insights.tagging.orgs import find_orgs
from insights.tagging.tagger import Tagger
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


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Le CHU de Valmont menace de suspendre les commandes.", "CHU de Valmont"),
        ("La Mairie de Castelroux lance un appel d'offres pour ses écoles.", "Mairie de Castelroux"),
        ("L'EHPAD Les Glycines accepte de témoigner.", "EHPAD Les Glycines"),
        (
            "Le Conseil départemental du Haut-Val prépare un marché pour 22 collèges.",
            "Conseil départemental du Haut-Val",
        ),
        ("Les Laboratoires Ferrand parlent de résilier.", "Laboratoires Ferrand"),
        ("Le Centre hospitalier de Brévanne hésite à renouveler.", "Centre hospitalier de Brévanne"),
        ("Biocoop Lyon prêts à signer pour 40 magasins", "Biocoop Lyon"),
        ("Fromageries Duval regardent les offres de Logistar.", "Fromageries Duval"),
        ("SARL Pujol Frères demande un devis pour 30 sondes.", "SARL Pujol Frères"),
        ("Chez Maison Tessier ils sont très contents.", "Maison Tessier"),
    ],
)
def test_orgs_institutions_whole_with_their_head_word(fr: Language, text: str, name: str) -> None:
    names = _names(fr, text)
    assert name in names
    assert not any(n.lower().startswith(("le ", "la ", "les ", "l'")) for n in names)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kestrel Pharma's site manager says they are looking at other vendors.", "Kestrel Pharma"),
        ("Harbourside Hotels Ltd wants a quote for 14 properties.", "Harbourside Hotels Ltd"),
        ("Polarline just launched a free tier for up to 10 sensors.", "Polarline"),
        ("Visited Kingsbridge University Hospital today, they want a pilot.", "Kingsbridge University Hospital"),
    ],
)
def test_orgs_english_names_without_ner(en_blank: Language, tagger: Tagger, text: str, name: str) -> None:
    assert name in [m.text for m in find_orgs(en_blank(text), is_common=tagger.is_common_word)]


@pytest.mark.parametrize(
    "text",
    [
        "Merci à Sophie pour le coup de main sur la migration du CRM hier soir !",
        "Kevin a dû tout réorganiser avec Sophie Martin.",
    ],
)
def test_orgs_people_are_never_organisations(fr: Language, text: str) -> None:
    assert _names(fr, text) == []


def test_orgs_known_names_come_first_whatever_the_case(fr: Language) -> None:
    known = build_known(customers=["Fromageries Duval"], competitors=["Logistar"])
    found = find_orgs(fr("les fromageries duval regardent les offres de LOGISTAR"), known)
    assert {(m.text, m.role) for m in found} == {("fromageries duval", "customer"), ("LOGISTAR", "competitor")}


def test_orgs_a_competitor_after_contre_is_marked(fr: Language) -> None:
    found = find_orgs(fr("Perdu le marché de la Clinique des Tilleuls contre Logistar."))
    assert {m.text: m.competitor_cue for m in found} == {"Clinique des Tilleuls": False, "Logistar": True}
