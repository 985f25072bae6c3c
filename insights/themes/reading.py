"""From spaCy Docs (that went through :mod:`themes.encoder`) to plain :class:`Reading` records.

Kept small on purpose: a Reading is what the database would store per insight (words as written with
their lemma and part of speech, a person flag, the USE vector), so themes and labels never need spaCy
again, and two replicas reading the same rows compute the same themes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from spacy.tokens import Doc, Token

from insights.pipeline import LoadedPipelines
from insights.themes.encoder import EXTENSION, doc_vectors
from insights.themes.types import Reading, Word

PERSON_LABELS: Final = frozenset({"PER", "PERSON"})
_SENTENCE_END: Final = frozenset({".", "!", "?", "…", ":", ";", "\n"})


def _is_person(token: Token, sent_start: bool) -> bool:
    if token.ent_type_ in PERSON_LABELS:
        return True
    # A capitalised word inside a sentence is a name (person, customer, place): never a label word.
    return token.text[:1].isupper() and token.text[1:].islower() and not sent_start


def _acronym_lemma(token: Token) -> str:
    if token.text.isupper() and len(token.text) <= 6:
        return token.text.lower()  # lemmatizers mangle acronyms (SMS -> "sm")
    return (token.lemma_ or token.text).lower()


def doc_words(doc: Doc) -> tuple[Word, ...]:
    """The Doc's non-space tokens as :class:`Word` records (sentence starts found without a parser)."""
    words: list[Word] = []
    start = True
    for token in doc:
        if token.is_space:
            start = start or "\n" in token.text
            continue
        words.append(
            Word(
                text=token.text,
                lemma=_acronym_lemma(token),
                pos=token.pos_,
                is_stop=token.is_stop,
                person=_is_person(token, start),
                sent_start=start,
            )
        )
        start = token.text in _SENTENCE_END or (token.is_punct and token.text.endswith((".", "!", "?")))
    return tuple(words)


def read_docs(
    docs: Iterable[Doc], ids: Sequence[str], lang: str, reporters: Sequence[str | None] | None = None
) -> list[Reading]:
    """Readings of Docs in the order given (each Doc must carry ``doc._.sentence_vector``)."""
    docs = list(docs)
    if any(doc._.get(EXTENSION) is None for doc in docs):
        raise ValueError("every Doc needs the pepites_sentence_vector component")
    vectors = doc_vectors(docs)
    who = list(reporters) if reporters is not None else [None] * len(docs)
    return [
        Reading(id=i, lang=lang, words=doc_words(doc), vector=vectors[n], reporter=who[n])
        for n, (i, doc) in enumerate(zip(ids, docs, strict=True))
    ]


def read_texts(
    texts: Sequence[str],
    ids: Sequence[str],
    langs: Sequence[str],
    pipelines: LoadedPipelines,
    reporters: Sequence[str | None] | None = None,
    batch_size: int = 64,
) -> list[Reading]:
    """Readings of texts (already cleaned of Slack markup), each read by the pipeline of its language.

    The pipelines must carry the ``pepites_sentence_vector`` component (``load_pipelines(sentence_vector=True)``).
    """
    who = list(reporters) if reporters is not None else [None] * len(texts)
    out: list[Reading | None] = [None] * len(texts)
    for lang in ("fr", "en"):
        positions = [i for i, code in enumerate(langs) if code == lang]
        if not positions:
            continue
        docs = pipelines.for_lang(lang).pipe((texts[i] for i in positions), batch_size=batch_size)
        for i, doc in zip(positions, docs, strict=True):
            out[i] = read_docs([doc], [ids[i]], lang, [who[i]])[0]
    return [r for r in out if r is not None]
