from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from insights.tagging.tagger import Tagger
from insights.types import KINDS, KnownOrgs

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Trois clients ont appelé pour des colis abîmés cette semaine, les cartons sont trop fins.", "problem"),
        ("The new label printer jams every morning.", "problem"),
        ("Super, encore une panne du VPN… impossible de bosser depuis la maison", "problem"),
        ("Pour chaque note de frais il faut trois signatures et une ressaisie dans Sage.", "dysfunction"),
        ("Nobody knows who approves quotes above 10k, so they sit in someone's inbox for days.", "dysfunction"),
        ("Pas de souci avec le nouveau transporteur, tout est arrivé à l'heure 👍", "success"),
        ("Support cleared the backlog in two days, great job!", "success"),
        ("Et si on proposait le retrait en magasin pour les petites commandes ?", "idea"),
        ("What if we sent customers a text the day before delivery?", "idea"),
        ("Quelqu'un sait où est le chargeur de la salle Jura ?", "other"),
    ],
)
def test_tagger_kind(tagger: Tagger, text: str, kind: str) -> None:
    tags = tagger.tag(text)
    assert tags.kind == kind
    assert 0.0 <= tags.kind_confidence <= 1.0


def test_tagger_problem_with_proposal_as_the_point_is_an_idea(tagger: Tagger) -> None:
    text = (
        "Les clients se perdent dans nos trois formulaires de contact. "
        "Je propose qu'on n'en garde qu'un seul, avec un menu déroulant par sujet."
    )
    assert tagger.tag(text).kind == "idea"


def test_tagger_reads_through_slack_markup(tagger: Tagger) -> None:
    tags = tagger.tag(
        "<!here> Bravo <@U02ABC|karim> :tada: l'inventaire est bouclé en une journée <https://x.io|photos>"
    )
    assert tags.lang == "fr"
    assert tags.kind == "success"
    assert not any("U02ABC" in k or "http" in k for k in tags.keywords)


def test_tagger_empty_text_is_other_with_no_confidence(tagger: Tagger) -> None:
    tags = tagger.tag("  <@U123>  ")
    assert (tags.lang, tags.kind, tags.kind_confidence, tags.signal) == ("fr", "other", 0.0, None)


def test_tagger_tag_many_matches_tag_one_by_one(tagger: Tagger) -> None:
    texts = [
        "Biocoop menace de passer chez un concurrent si les retards continuent.",
        "Acme dropped their price by 15% on the Pro plan.",
        "On pourrait enregistrer les sessions d'accueil.",
        "",
        "Where are the spare keys for the van?",
    ]
    known = KnownOrgs(customers=("Biocoop",), competitors=("Acme",))
    assert tagger.tag_many(texts, known, batch_size=2) == [tagger.tag(t, known) for t in texts]


def test_tagger_is_safe_from_several_threads(tagger: Tagger) -> None:
    texts = [
        "Le CRM plante dès qu'on ouvre un gros compte.",
        "The coffee machine is broken again.",
        "Les Laboratoires Vernier ont reçu trois fois la même facture et menacent de partir.",
        "Idée : un wiki unique pour les procédures.",
    ] * 10
    expected = [tagger.tag(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(tagger.tag, texts)) == expected


def test_tagger_kinds_are_from_the_taxonomy(tagger: Tagger) -> None:
    for tags in tagger.tag_many(["bla", "ok merci", "???", "Réunion à 14h"]):
        assert tags.kind in KINDS
