from __future__ import annotations

import pytest

from insights.tagging.orgs import OrgMention
from insights.tagging.signal import decide_signal
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


def test_signal_decide_needs_an_organisation() -> None:
    assert decide_signal({"at_risk": 0.9, "none": 0.1}, []) == (None, None)


def test_signal_decide_ignores_vendors() -> None:
    vendor = OrgMention("Transports Morel", 0, 16, 5.0, "vendor")
    assert decide_signal({"at_risk": 0.9, "none": 0.1}, [vendor]) == (None, None)


def test_signal_decide_prefers_competitor_after_cue_for_competitor_news() -> None:
    mentions = [OrgMention("Clinique Beaulieu", 0, 17, 4.0), OrgMention("Sondalis", 40, 48, 1.5, competitor_cue=True)]
    assert decide_signal({"competitor": 0.7, "none": 0.3}, mentions) == ("competitor", "Sondalis")


def test_signal_decide_respects_none() -> None:
    assert decide_signal({"lead": 0.1, "none": 0.9}, [OrgMention("Acme", 0, 4, 3.0)]) == (None, None)
