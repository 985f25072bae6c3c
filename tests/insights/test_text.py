from __future__ import annotations

import pytest

from insights.text import clean_slack_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("merci <@U03K2M9QP> pour le coup de main", "merci pour le coup de main"),
        ("ping <@U03K2M9QP|léa> stp", "ping stp"),
        ("questions → <#C05FIN2|compta>", "questions →"),
        # A channel's name is where it was said, not what: «vente» must not come from #ventes (issue 12).
        (
            "Grosse promo chez <https://www.logistar.fr/promo|Logistar> vu dans <#C0VENTES|ventes>",
            "Grosse promo chez Logistar vu dans",
        ),
        ("voir <https://jira.example.com/PRD-1|le ticket> demain", "voir le ticket demain"),
        ("pricing page: <https://coldtrack.io/pricing>", "pricing page:"),
        ("<!here> réunion à 10:30", "réunion à 10:30"),
        ("<!subteam^S123|@ops> le VPN est down", "le VPN est down"),
        ("prix &lt; 50 € &amp; délai &gt; 3 jours", "prix < 50 € & délai > 3 jours"),
        ("Bravo l'équipe :tada: :+1::skin-tone-2: !", "Bravo l'équipe !"),
        ("  trop   d'espaces\n\net de lignes  ", "trop d'espaces et de lignes"),
        ("*important* : _vraiment_", "important : vraiment"),
    ],
)
def test_text_clean_slack_markup(raw: str, clean: str) -> None:
    assert clean_slack_text(raw) == clean


def test_text_keeps_plain_text_and_snake_case_intact() -> None:
    text = "Le fichier export_clients.csv est vide à 14:30, 3 fois de suite."
    assert clean_slack_text(text) == text


def test_text_raw_urls_are_dropped() -> None:
    assert clean_slack_text("cf https://jira.interne.fr/browse/PRD-1184 merci") == "cf merci"
