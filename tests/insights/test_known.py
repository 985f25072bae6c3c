"""A workspace's known organisations: settings lists, channel names, what people confirmed."""

from __future__ import annotations

import pytest

from insights.tagging.known import (
    build_known,
    channel_org,
    learn,
    learn_all,
    role_of,
    strip_article,
    with_form_customer,
)
from insights.types import KnownOrgs


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("#client-biocoop", ("Biocoop", "customer")),
        ("client-biocoop", ("Biocoop", "customer")),
        ("clients_leroy-merlin", ("Leroy Merlin", "customer")),
        ("#prospect-castellane-hotels", ("Castellane Hotels", "customer")),
        ("#concurrent-logistar", ("Logistar", "competitor")),
        ("#fournisseur-transports-gavard", ("Transports Gavard", "vendor")),
    ],
)
def test_known_channel_names_say_who_the_channel_is_about(channel: str, expected: tuple[str, str]) -> None:
    assert channel_org(channel) == expected


@pytest.mark.parametrize("channel", ["#general", "#ventes", "#random", "#client-", "directmessage"])
def test_known_other_channels_name_nobody(channel: str) -> None:
    assert channel_org(channel) is None


def test_known_strip_article_keeps_words_as_written() -> None:
    assert strip_article("les Laboratoires Vernier") == "Laboratoires Vernier"
    assert strip_article("L'Épicerie Fine Marceau") == "Épicerie Fine Marceau"
    assert strip_article("the Harbour Group") == "Harbour Group"
    assert strip_article("Lesieur") == "Lesieur"


def test_known_build_merges_settings_and_channels_without_duplicates() -> None:
    known = build_known(
        customers=["Biocoop", "biocoop", "les Laboratoires Vernier"],
        competitors=["Logistar"],
        channel_names=["#client-biocoop", "#concurrent-frigosense", "#client-logistar"],
    )
    assert known.customers == ("Biocoop", "Laboratoires Vernier")
    assert known.competitors == ("Logistar", "Frigosense")
    assert role_of(known, "logistar") == "competitor"


def test_known_a_person_correcting_a_subject_moves_it_to_that_role() -> None:
    known = build_known(customers=["Logistar"])
    corrected = learn_all(known, [("Logistar", "competitor"), ("les Fromageries Duval", "customer")])
    assert corrected.competitors == ("Logistar",)
    assert corrected.customers == ("Fromageries Duval",)
    assert known.customers == ("Logistar",)  # immutable
    assert learn(known, "  ", "customer") == known


def test_known_form_customer_joins_the_known_customers_once() -> None:
    known = KnownOrgs(competitors=("Logistar",))
    assert with_form_customer(known, "le CHU de Valmont").customers == ("CHU de Valmont",)
    assert with_form_customer(known, "logistar") == known
    assert with_form_customer(known, None) == known
