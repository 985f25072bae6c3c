"""Content lemmas of insights, the words themes are built from, read with the spaCy pipelines."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from spacy.language import Language
from spacy.tokens import Doc, Token

from insights.pipeline import LoadedPipelines
from insights.types import Lang

# Parts of speech that carry a subject. Blank pipelines tag nothing (pos_ == ""), so the stop list and
# the shape checks below do the filtering there.
CONTENT_POS: Final = frozenset({"NOUN", "PROPN", "ADJ", "VERB", "X", ""})
# Words so common in workplace reports that they say nothing about the subject.
WORKPLACE_STOP: Final = frozenset(
    {
        "faire",
        "avoir",
        "être",
        "aller",
        "dire",
        "pouvoir",
        "vouloir",
        "falloir",
        "devoir",
        "mettre",
        "passer",
        "venir",
        "voir",
        "savoir",
        "prendre",
        "encore",
        "truc",
        "chose",
        "gens",
        "fois",
        "ça",
        "get",
        "got",
        "make",
        "made",
        "say",
        "said",
        "go",
        "going",
        "went",
        "know",
        "need",
        "want",
        "take",
        "still",
        "really",
        "thing",
        "things",
        "people",
        "time",
        "today",
        "yesterday",
        "week",
        "again",
        "one",
        "guy",
        "lol",
        "ok",
        "okay",
        "please",
        "thanks",
        "merci",
        "hello",
        "bonjour",
        "hi",
        "hey",
        "jour",
        "semaine",
        "mois",
        "an",
        "année",
        "heure",
        "matin",
        "soir",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "day",
        "month",
        "year",
        "hour",
        "morning",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "bon",
        "good",
        "new",
        "nouveau",
        "gros",
        "petit",
        "big",
        "small",
    }
)
# Stop words of spaCy's lists that name a subject in workplace reports: "the VPN is down again".
SUBJECT_STOP_WORDS: Final = frozenset({"down"})
BATCH_SIZE: Final = 256
# A lemma is a word, possibly with inner hyphens, apostrophes, dots or a currency sign ("tx-40", "25k€").
_WORDLIKE: Final = re.compile(r"^\w[\w'’.\-&€$%]*$")


def _lemma(token: Token) -> str:
    if token.text.isupper() and len(token.text) <= 6:
        return token.text.lower()  # acronyms (SMS, VPN, CRM): lemmatizers mangle them ("sm")
    lemma = token.lemma_ or token.text
    return lemma.lower()


def keep_token(token: Token) -> bool:
    """Whether a token is a content word worth grouping insights by."""
    if token.is_stop and token.lower_ not in SUBJECT_STOP_WORDS:
        return False
    if token.is_punct or token.is_space or token.like_url or token.like_email:
        return False
    if token.like_num or not any(c.isalpha() for c in token.text) or len(token.text) < 2:
        return False
    if token.pos_ not in CONTENT_POS:
        return False
    lemma = _lemma(token)
    return lemma not in WORKPLACE_STOP and token.lower_ not in WORKPLACE_STOP and _WORDLIKE.match(lemma) is not None


def doc_lemmas(doc: Doc) -> tuple[str, ...]:
    """The content lemmas of one parsed insight, lowercased, in text order."""
    return tuple(_lemma(t) for t in doc if keep_token(t))


def _pipe(nlp: Language, texts: Iterable[str]) -> Iterable[Doc]:
    # Named entities are not needed for themes; NER is a third of the French pipeline's time.
    disable = [name for name in ("ner", "parser", "senter") if name in nlp.pipe_names]
    return nlp.pipe(texts, batch_size=BATCH_SIZE, disable=disable)


def content_lemmas(texts: Sequence[str], langs: Sequence[Lang], pipelines: LoadedPipelines) -> list[tuple[str, ...]]:
    """Content lemmas of each text, each read with the pipeline of its language, in input order."""
    result: list[tuple[str, ...]] = [()] * len(texts)
    for lang in ("fr", "en"):
        positions = [i for i, text_lang in enumerate(langs) if text_lang == lang]
        if not positions:
            continue
        docs = _pipe(pipelines.for_lang(lang), (texts[i] for i in positions))
        for i, doc in zip(positions, docs, strict=True):
            result[i] = doc_lemmas(doc)
    return result
