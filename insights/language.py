"""French or English? Lingua restricted to the two languages, with cheap word rules for short messages."""

from __future__ import annotations

import re
import threading
from typing import Any

from insights.text import clean_slack_text
from insights.types import Lang

DEFAULT_LANG: Lang = "fr"  # the company speaks French first

# Words that are frequent in one language and (almost) never words of the other; accents aside. The
# English "a" is left out: it is also the French "a" (has).
_FRENCH = frozenset(
    "le la les un une des du de au aux et est sont ou où qui que quoi quand avec pour sur dans par pas plus "
    "ne ça ce cette ces mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs je tu il elle nous vous "
    "ils elles on y en très aussi encore toujours déjà jamais rien personne chaque tout tous toute toutes "
    "mais donc car si avoir être fait faut peut veut doit était été chez sans depuis entre avant après "
    "merci bravo super génial idée quelqu'un qqn svp stp bonjour salut ouf enfin vraiment franchement "
    "faudrait pourrait devrait serait lundi mardi mercredi jeudi vendredi samedi dimanche midi matin soir "
    "semaine demain hier aujourd'hui".split()
)
_ENGLISH = frozenset(
    "the an and is are was were be been has have had do does did not no to of in on at for with from by "
    "this that these those it its they their them we our us you your he she his her who what when where "
    "why how which there here just still again already never nobody anyone everyone every all some any "
    "but so because if can could would should will won't don't can't isn't doesn't didn't we're it's "
    "thanks great idea anybody please hi hey yet since after before about into".split()
)
_WORD = re.compile(r"[a-zà-öø-ÿ']+", re.IGNORECASE)
_FRENCH_LETTERS = re.compile(r"[éèêàùçôîœ]")

_lock = threading.Lock()
_detector: Any = None


def _lingua() -> Any:
    """Build the lingua detector once, on first use (it takes ~1 s and some memory)."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from lingua import Language, LanguageDetectorBuilder

                _detector = (
                    LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH)
                    .with_preloaded_language_models()
                    .build()
                )
    return _detector


def _word_votes(text: str) -> tuple[int, int]:
    words = [w.lower().strip("'") for w in _WORD.findall(text)]
    fr = sum(w in _FRENCH for w in words) + len(_FRENCH_LETTERS.findall(text.lower()))
    en = sum(w in _ENGLISH for w in words)
    return fr, en


def detect_language(text: str) -> Lang:
    """Say whether an insight is French or English; mixed messages go to their main language, ties to French."""
    return detect_plain_language(clean_slack_text(text))


def detect_plain_language(plain: str) -> Lang:
    """:func:`detect_language` for text already cleaned of Slack markup."""
    if not _WORD.search(plain):
        return DEFAULT_LANG
    fr_votes, en_votes = _word_votes(plain)
    if fr_votes == en_votes == 0 and len(_WORD.findall(plain)) < 3:
        return DEFAULT_LANG  # "ok", "Bug CRM": nothing to go on
    # Clear majorities of function words decide alone: cheap, and right on 3-word messages where the
    # statistical model guesses.
    if fr_votes >= 2 and fr_votes >= 3 * en_votes:
        return "fr"
    if en_votes >= 2 and en_votes >= 3 * fr_votes:
        return "en"
    from lingua import Language

    confidences = {c.language: c.value for c in _lingua().compute_language_confidence_values(plain)}
    p_en = confidences.get(Language.ENGLISH, 0.0)
    # Blend the statistical guess with the word votes, and lean French when it is close. On a few words
    # the letter statistics are thin, so each function word weighs more.
    vote_weight = 1.0 if len(_WORD.findall(plain)) < 6 else 0.5
    score = (p_en - 0.5) * 4 + (en_votes - fr_votes) * vote_weight
    return "en" if score > 0.3 else "fr"
