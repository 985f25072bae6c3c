from __future__ import annotations

import pytest

from insights.tagging.known import build_known
from insights.tagging.tagger import Tagger
from insights.types import KnownOrgs

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("text", "signal", "subject"),
    [
        ("Le DSI de Leroy Merlin cherche un nouveau prestataire pour 2027.", "lead", "Leroy Merlin"),
        ("Biocoop menace de passer chez un concurrent si les retards continuent.", "at_risk", "Biocoop"),
        ("Le client Moulinex est ravi, il veut bien témoigner.", "reference", "Moulinex"),
        ("Acme dropped their price by 15% on the Pro plan.", "competitor", "Acme"),
        (
            "Les Laboratoires Vernier ont reçu trois fois la même facture, leur DAF menace de résilier.",
            "at_risk",
            "Laboratoires Vernier",
        ),
        ("Harbour Hotels asked for a quote for all 12 properties after the demo 🎉", "lead", "Harbour Hotels"),
        (
            "Kingfisher Catering loves the dashboard and agreed to be a reference for UK prospects.",
            "reference",
            "Kingfisher Catering",
        ),
    ],
)
def test_signal_with_known_orgs(tagger: Tagger, text: str, signal: str, subject: str) -> None:
    known = KnownOrgs(
        customers=(
            "Leroy Merlin",
            "Biocoop",
            "Moulinex",
            "Laboratoires Vernier",
            "Harbour Hotels",
            "Kingfisher Catering",
        ),
        competitors=("Acme",),
    )
    tags = tagger.tag(text, known)
    assert (tags.signal, tags.subject) == (signal, subject)


@pytest.mark.parametrize(
    ("text", "signal", "subject"),
    [
        ("La Fromagerie Dufour accepte qu'on la cite comme référence 🙌", "reference", "Fromagerie Dufour"),
        ("Les Boulangeries Marchal veulent un devis pour équiper leurs 12 magasins.", "lead", "Boulangeries Marchal"),
        (
            "Nordvale Foods escalated: their order is 9 days late and they're looking at other vendors.",
            "at_risk",
            "Nordvale Foods",
        ),
    ],
)
def test_signal_finds_unknown_organisations_without_article(
    tagger: Tagger, text: str, signal: str, subject: str
) -> None:
    tags = tagger.tag(text)
    assert (tags.signal, tags.subject) == (signal, subject)


def test_signal_deal_lost_to_competitor_is_problem_with_competitor_subject(tagger: Tagger) -> None:
    tags = tagger.tag("Perdu l'appel d'offres de la Clinique Beaulieu contre Froidtech, ils étaient 20% moins chers.")
    assert tags.kind == "problem"
    assert (tags.signal, tags.subject) == ("competitor", "Froidtech")


@pytest.mark.parametrize(
    "text",
    [
        "4 clients mécontents ont appelé aujourd'hui pour des retards.",
        "A prospect asked whether we do leasing. Do we?",
        "Le fournisseur Cartonnages Besson n'a livré que la moitié des cartons.",
        "Transports Lenoir a encore perdu deux palettes entre Lyon et Lille.",
        "Le VPN recoupe. Encore.",
    ],
)
def test_signal_none_without_a_customer_organisation(tagger: Tagger, text: str) -> None:
    assert tagger.tag(text).signal is None


def test_signal_deal_lost_to_a_named_competitor_names_the_competitor(tagger: Tagger) -> None:
    tags = tagger.tag("Perdu le marché de la Clinique des Tilleuls contre Logistar, 15% moins chers.")
    assert (tags.signal, tags.subject) == ("competitor", "Logistar")
    tags = tagger.tag("We lost the Marston Foods renewal to Polarline, mostly on price.")
    assert (tags.lang, tags.signal, tags.subject) == ("en", "competitor", "Polarline")


@pytest.mark.parametrize(
    ("text", "signal", "subject"),
    [
        ("Biocoop Lyon prêts à signer pour 40 magasins 🎉", "lead", "Biocoop Lyon"),
        (
            "Fromageries Duval regardent les offres de Logistar, nos délais sont trop longs.",
            "at_risk",
            "Fromageries Duval",
        ),
        (
            "Le CHU de Valmont menace de suspendre les commandes après trois alertes manquées.",
            "at_risk",
            "CHU de Valmont",
        ),
        ("La Mairie de Castelroux lance un appel d'offres pour équiper ses écoles.", "lead", "Mairie de Castelroux"),
        ("L'EHPAD Les Glycines est ravi et accepte de témoigner.", "reference", "EHPAD Les Glycines"),
        (
            "Kestrel Pharma's site manager says they are looking at other vendors after the third late delivery.",
            "at_risk",
            "Kestrel Pharma",
        ),
        (
            "Harbourside Hotels Ltd wants a quote for 14 properties before their budget closes.",
            "lead",
            "Harbourside Hotels Ltd",
        ),
    ],
)
def test_signal_the_weeks_big_ones_with_their_whole_subject(
    tagger: Tagger, text: str, signal: str, subject: str
) -> None:
    tags = tagger.tag(text)
    assert (tags.signal, tags.subject) == (signal, subject)


@pytest.mark.parametrize(
    "text",
    [
        "Transports Gavard a encore livré nos palettes en retard, Kevin a dû tout réorganiser.",
        "Our supplier Brightwire Components is late again on the gateway boards.",
        "Merci à Sophie pour le coup de main sur la migration du CRM !",
    ],
)
def test_signal_none_for_suppliers_and_people(tagger: Tagger, text: str) -> None:
    assert tagger.tag(text).signal is None


def test_signal_a_dictionary_word_used_as_a_company_name_before_its_verb(tagger: Tagger) -> None:
    tags = tagger.tag("Acme dropped their price by 15% on the Pro plan.")
    assert (tags.signal, tags.subject) == ("competitor", "Acme")


def test_signal_known_competitor_makes_competitor_news(tagger: Tagger) -> None:
    tags = tagger.tag("Grosse promo chez Logistar ce mois-ci sur les sondes.", build_known(competitors=["Logistar"]))
    assert (tags.signal, tags.subject) == ("competitor", "Logistar")


def test_signal_customer_learned_from_a_channel_name_is_found_in_lower_case(tagger: Tagger) -> None:
    tags = tagger.tag(
        "biocoop menace de partir si les retards continuent", build_known(channel_names=["#client-biocoop"])
    )
    assert (tags.signal, tags.subject) == ("at_risk", "biocoop")


def test_signal_form_customer_is_the_subject_and_feeds_the_signal(tagger: Tagger) -> None:
    text = "Ils menacent de résilier si la facture n'est pas corrigée avant vendredi."
    assert tagger.tag(text).signal is None
    tags = tagger.tag(text, customer="Laboratoires Ferrand")
    assert (tags.signal, tags.subject) == ("at_risk", "Laboratoires Ferrand")
    tags = tagger.tag("Le CHU de Valmont menace de suspendre les commandes.", customer="CHU de Valmont")
    assert tags.subject == "CHU de Valmont"
