"""Plain data in and out of the theme engine: no spaCy, no database."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Word:
    """One token of an insight as written, with what labels and terms need to know about it."""

    text: str
    lemma: str
    pos: str
    is_stop: bool = False
    person: bool = False  # part of a PER entity, or a capitalised word that is not a sentence start
    sent_start: bool = False


@dataclass(frozen=True)
class Reading:
    """One insight read once by spaCy + USE: id, language, words, unit 512-d USE vector."""

    id: str
    lang: str
    words: tuple[Word, ...]
    vector: np.ndarray = field(compare=False, repr=False)
    reporter: str | None = None

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, np.float32(1.0), norms)
