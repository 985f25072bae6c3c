"""The tagging facade the bot and the CLI call: text in, :class:`~insights.types.Tags` out."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc

from insights.language import DEFAULT_LANG, detect_plain_language
from insights.pipeline import LoadedPipelines
from insights.tagging.keywords import entities, keywords
from insights.tagging.known import NO_KNOWN_ORGS, with_form_customer
from insights.tagging.lemmas import doc_lemmas
from insights.tagging.model import TaggingModel
from insights.tagging.orgs import find_orgs
from insights.tagging.signal import decide_signal
from insights.tagging.signal_model import Embedder, SignalModel
from insights.tagging.stop_words import EN_STOP_WORDS, FR_STOP_WORDS
from insights.tagging.training import default_model, default_signal_model, load_model
from insights.text import clean_slack_text
from insights.themes.encoder import DIM, EXTENSION
from insights.themes.reading import doc_words
from insights.themes.stored import pack_vector, pack_words
from insights.themes.types import Word
from insights.types import LANGS, Entity, KnownOrgs, Lang, Tags

_STOP = frozenset(FR_STOP_WORDS) | frozenset(EN_STOP_WORDS)


class Tagger:
    """Tags insights with language, kind, customer signal and subject, entities and keywords.

    ``embed`` is the sentence encoder the signal classifier reads (see :mod:`insights.embedding`): the
    process that builds the tagger loads it once and may share it; without it the signal classifier
    reads the cue words alone (tests, tools without the encoder).

    Safe to share between threads: the classifiers are only read, and each spaCy pipeline is used by
    one thread at a time (its string store grows as it meets new words).
    """

    def __init__(
        self,
        pipelines: LoadedPipelines,
        model_dir: Path | None = None,
        model: TaggingModel | None = None,
        embed: Embedder | None = None,
        signal_model: SignalModel | None = None,
    ) -> None:
        self.pipelines = pipelines
        self.model_dir = model_dir
        self.embed = embed
        self._model = model
        self._signal_model = signal_model
        self._model_lock = threading.Lock()
        self._nlp_locks: dict[Lang, threading.Lock] = {lang: threading.Lock() for lang in LANGS}
        # The French vectors' vocabulary (which has common English words too) tells names from words.
        self._vectors = pipelines.fr.vocab.vectors

    @property
    def model(self) -> TaggingModel:
        """The kind model saved in ``model_dir`` if any, else the default one trained on the bundled examples."""
        with self._model_lock:
            if self._model is None:
                loaded = load_model(self.model_dir) if self.model_dir is not None else None
                self._model = loaded or default_model()
            return self._model

    @property
    def signal_model(self) -> SignalModel:
        """The signal classifier, trained on the bundled examples at first use (with ``embed`` if given)."""
        with self._model_lock:
            if self._signal_model is None:
                self._signal_model = default_signal_model(self.embed)
            return self._signal_model

    def reload_model(self) -> None:
        """Forget the loaded model so the next call reads ``model_dir`` again (after :func:`retrain`)."""
        with self._model_lock:
            self._model = None

    def is_common_word(self, word: str) -> bool:
        """True for dictionary words (« rupture », "support"), false for names such as « Kelvio »."""
        # Hashing without Vocab.has_vector, which would add the word to the French string store.
        return word in _STOP or get_string_id(word) in self._vectors

    def tag(self, text: str, known: KnownOrgs = NO_KNOWN_ORGS, customer: str | None = None) -> Tags:
        """Tag one insight; ``customer`` is the form's « Client ou prospect concerné » field, if given."""
        return self.tag_many([text], known, customers=[customer])[0]

    def tag_many(
        self,
        texts: Sequence[str],
        known: KnownOrgs = NO_KNOWN_ORGS,
        batch_size: int = 64,
        customers: Sequence[str | None] | None = None,
    ) -> list[Tags]:
        """Tag many insights of one workspace at once, running each language's pipeline over its texts.

        ``known`` are the workspace's customers, competitors and suppliers; ``customers[i]`` is insight
        ``i``'s customer field (it becomes the subject and lowers the bar for a signal).
        """
        cleaned = [clean_slack_text(t) for t in texts]
        forms = list(customers) if customers is not None else [None] * len(texts)
        langs: list[Lang] = [detect_plain_language(t) if t else DEFAULT_LANG for t in cleaned]
        kinds = self.model.predict(cleaned)
        read: dict[int, _Read] = {}
        for lang in LANGS:
            positions = [i for i, t in enumerate(cleaned) if langs[i] == lang and t]
            if not positions:
                continue
            nlp: Language = self.pipelines.for_lang(lang)
            with self._nlp_locks[lang]:
                piped = nlp.pipe((cleaned[i] for i in positions), batch_size=batch_size)
                # Each document is read as soon as it is made and not kept: holding thousands of Docs
                # alive slows the whole batch down.
                for i, doc in zip(positions, piped, strict=True):
                    orgs = find_orgs(doc, with_form_customer(known, forms[i]), self.is_common_word)
                    vector = doc._.get(EXTENSION) if Doc.has_extension(EXTENSION) else None
                    read[i] = _Read(
                        orgs,
                        entities(doc, orgs, self.is_common_word),
                        keywords(doc),
                        doc_lemmas(doc),
                        doc_words(doc),
                        vector,
                    )
        probabilities = self.signal_model.predict(cleaned, self._vectors_of(cleaned, read))
        out: list[Tags] = [Tags(lang=lang, kind="other", kind_confidence=0.0) for lang in langs]
        for i, r in read.items():
            decided = decide_signal(probabilities[i], r.orgs, forms[i], cleaned[i])
            kind, confidence = kinds[i]
            out[i] = Tags(
                langs[i],
                kind,
                confidence,
                decided.signal,
                decided.subject,
                r.entities,
                r.keywords,
                r.lemmas,
                tuple((str(a), str(b), str(c), int(d)) for a, b, c, d in pack_words(r.words)),
                pack_vector(r.vector) if r.vector is not None else None,
            )
        return out

    def _vectors_of(self, cleaned: Sequence[str], read: dict[int, _Read]) -> np.ndarray | None:
        """The texts' USE vectors: from the pipeline's component when it ran, else from ``embed`` (one encoder
        call either way; None when the signal model reads the cue words alone)."""
        if not self.signal_model.uses_embedding:
            return None
        vectors = np.zeros((len(cleaned), DIM), dtype=np.float32)
        missing = [i for i in range(len(cleaned)) if i not in read or read[i].vector is None]
        for i, r in read.items():
            if r.vector is not None:
                vectors[i] = r.vector
        if missing and self.embed is not None:
            vectors[missing] = np.asarray(self.embed([cleaned[i] for i in missing]), dtype=np.float32)
        elif missing:
            return None
        return vectors


@dataclass(frozen=True)
class _Read:
    """What one Doc gave, kept instead of the Doc."""

    orgs: Sequence[Any]
    entities: tuple[Entity, ...]
    keywords: tuple[str, ...]
    lemmas: tuple[str, ...]
    words: tuple[Word, ...]
    vector: np.ndarray | None
