"""``pepites demo`` speaks one language: French headers around French lines, and says what a blank English
pipeline means (issue 12). The whole demo loads spaCy (tests/bot/test_cli.py, e2e); its words are checked here."""

from __future__ import annotations

from bot.cli.demo import demo_title, pipelines_line, theme_line


def test_demo_headers_are_french_in_french() -> None:
    assert demo_title("fr", 20, "sqlite:///demo.db") == (
        "Démo de Pépites — 20 pépites d'un espace de travail d'exemple, base sqlite:///demo.db"
    )
    assert theme_line("fr", "VPN", 1, 1, "growing") == "  • VPN — 1 pépite, 1 personne, 📈 en hausse"
    assert theme_line("en", "VPN", 3, 2, "new") == "  • VPN — 3 insights, 2 people, 🆕 new"


def test_demo_explains_a_blank_english_pipeline() -> None:
    line = pipelines_line("fr", 6.25, "blank")
    assert line.startswith("Pipelines spaCy chargés en 6,2 s (anglais : aucun modèle anglais installé")
    assert "blank" not in line and "English" not in line
    assert pipelines_line("en", 3.0, "en_core_web_sm") == "spaCy pipelines loaded in 3.0 s (English: en_core_web_sm)"
