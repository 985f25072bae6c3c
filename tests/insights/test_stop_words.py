"""The stop-word data file stays equal to spaCy's lists (it exists so the web process need not import spaCy)."""

from __future__ import annotations

from spacy.lang.en.stop_words import STOP_WORDS as SPACY_EN
from spacy.lang.fr.stop_words import STOP_WORDS as SPACY_FR

from insights.tagging.stop_words import EN_STOP_WORDS, FR_STOP_WORDS, GENERIC, STOP_WORDS


def test_stop_words_match_spacys_lists() -> None:
    assert FR_STOP_WORDS == frozenset(SPACY_FR)
    assert EN_STOP_WORDS == frozenset(SPACY_EN)


def test_generic_workplace_words_are_stop_words() -> None:
    assert {"truc", "merci", "semaine"} <= GENERIC <= STOP_WORDS
