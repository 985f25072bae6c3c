from __future__ import annotations

import pytest

from insights.language import detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Trois clients ont appelé pour des colis abîmés cette semaine.", "fr"),
        ("The new label printer jams every morning.", "en"),
        ("Le VPN recoupe. Encore. 🙄", "fr"),
        ("Spendly login link, anyone?", "en"),
        ("Food truck jeudi midi 🌮", "fr"),
        ("Teams kept dropping during my call with a prospect, had to finish on my phone. La honte 🙈", "en"),
        ("Franchement le nouveau workflow de relance dans le CRM c'est top. Last week I closed 2 deals 🔥", "fr"),
        ("Where can I find the recording of last Tuesday's CRM training?", "en"),
        ("Qqn a vu le câble HDMI de la salle Lumière ?", "fr"),
        ("Printer on 3rd floor is dead again.", "en"),
    ],
)
def test_language_detects_french_and_english(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "   ", "ok", "Bug CRM", "<@U123> :tada:", "42 !"])
def test_language_defaults_to_french_when_nothing_decides(text: str) -> None:
    assert detect_language(text) == "fr"
