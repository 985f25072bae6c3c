from __future__ import annotations

import time

import pytest

from insights.tagging.duplicates import DuplicateIndex, NearDuplicate, find_near_duplicate

OPEN = [
    (41, "Le VPN a encore planté ce matin, impossible d'accéder à l'ERP depuis la maison."),
    (42, "La machine à café du 2e étage est en panne depuis lundi."),
    (43, "On ressaisit chaque commande deux fois, dans le CRM puis dans l'ERP."),
    (44, "The label printer jams every morning before the first truck."),
    (45, "Nobody knows who approves quotes above 10k."),
    (46, "Et si on envoyait un SMS aux clients la veille de chaque livraison ?"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("VPN planté encore ce matin, pas moyen d'accéder à l'ERP depuis chez moi", 41),
        ("Machine à café en panne au 2e étage 😩", 42),
        ("Chaque commande est saisie deux fois : CRM puis ERP", 43),
        ("Label printer jammed again this morning", 44),
        ("Who approves quotes above 10k? Nobody knows", 45),
        ("Proposition : un SMS la veille de la livraison pour prévenir les clients", 46),
    ],
)
def test_duplicates_finds_paraphrases(text: str, expected: int) -> None:
    match = find_near_duplicate(text, OPEN)
    assert match is not None and match.id == expected
    assert 0.0 < match.score <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Signé avec Decathlon grâce à la démo de Léa !",
        "Quelqu'un a le mot de passe du wifi invités ?",
        "Support cleared the backlog in two days, great job.",
        "Le parking est plein dès 8h15.",
    ],
)
def test_duplicates_ignores_different_insights(text: str) -> None:
    assert find_near_duplicate(text, OPEN) is None


def test_duplicates_empty_inputs() -> None:
    assert find_near_duplicate("Le VPN a planté", []) is None
    assert find_near_duplicate("<@U123> :tada:", OPEN) is None


def test_duplicates_identical_text_scores_one() -> None:
    assert find_near_duplicate(OPEN[1][1], OPEN) == NearDuplicate(42, 1.0)


def test_duplicates_index_excludes_the_insight_itself() -> None:
    index = DuplicateIndex(OPEN)
    match = index.closest(OPEN[0][1], exclude=41)
    assert match is None or match.id != 41


def test_duplicates_is_cheap_for_thousands_of_candidates() -> None:
    topics = ["VPN", "imprimante", "café", "parking", "CRM", "devis", "livraison", "badge", "chauffage", "ERP"]
    candidates = [(i, f"Problème {i} avec le {topics[i % 10]} du site {i % 37}, équipe {i % 11}") for i in range(3000)]
    started = time.perf_counter()
    index = DuplicateIndex(candidates)
    for _ in range(20):
        index.closest("Encore un problème avec le chauffage du site 12")
    assert time.perf_counter() - started < 3.0


def test_closest_many_offers_only_an_older_insight_and_never_itself() -> None:
    from insights.tagging.duplicates import DuplicateIndex

    index = DuplicateIndex(
        [
            (1, "Le VPN coupe pendant les démos client."),
            (2, "La machine à café fuit encore."),
            (3, "Le VPN coupe pendant les démos clients !"),
        ]
    )
    found = index.closest_many(
        [(3, "Le VPN coupe pendant les démos clients !"), (1, "Le VPN coupe pendant les démos.")]
    )
    assert found[3].id == 1 and 1 not in found  # #1 is the oldest: nothing older to offer
