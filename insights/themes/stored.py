"""A :class:`Reading` as the database keeps it: words as compact JSON lists, the USE vector as float16 bytes.

Stored once per insight by the tagging process, so themes never need spaCy or the encoder again and two
replicas reading the same rows compute the same themes. float16 keeps a vector at 1 KB (cosines move by
less than 1e-3, far below what separates two themes).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Final

import numpy as np

from insights.themes.types import Reading, Word

DIM: Final = 512
_STOP, _PERSON, _START = 1, 2, 4


def pack_words(words: Sequence[Word]) -> list[list[Any]]:
    """``[[text, lemma, pos, flags], …]`` (flags: 1 stop word, 2 person, 4 sentence start)."""
    return [
        [
            w.text,
            w.lemma,
            w.pos,
            (_STOP if w.is_stop else 0) | (_PERSON if w.person else 0) | (_START if w.sent_start else 0),
        ]
        for w in words
    ]


def unpack_words(rows: Sequence[Sequence[Any]] | None) -> tuple[Word, ...]:
    """The words :func:`pack_words` stored (malformed rows are skipped)."""
    words: list[Word] = []
    for row in rows or ():
        if len(row) != 4:
            continue
        try:
            words.append(_word(*row))
        except TypeError:  # an unhashable field: build it without the cache
            words.append(_word.__wrapped__(*row))
    return tuple(words)


@lru_cache(maxsize=200_000)
def _word(text: Any, lemma: Any, pos: Any, flags: Any) -> Word:
    """One stored word (shared: the same few thousand words recur across a workspace's insights, and a
    :class:`Word` is immutable)."""
    flags = int(flags)
    return Word(str(text), str(lemma), str(pos), bool(flags & _STOP), bool(flags & _PERSON), bool(flags & _START))


def pack_vector(vector: np.ndarray) -> bytes:
    """A 512-d vector as 1,024 bytes (float16, little-endian)."""
    return np.asarray(vector, dtype="<f2").reshape(DIM).tobytes()


def unpack_vector(data: bytes | None) -> np.ndarray | None:
    """The stored vector as unit float32, or None when there is none (an insight tagged before themes read it)."""
    if not data or len(data) != DIM * 2:
        return None
    return _unit(np.frombuffer(data, dtype="<f2").astype(np.float32))


def unpack_vectors(data: Sequence[bytes | None]) -> list[np.ndarray | None]:
    """:func:`unpack_vector` of many (one conversion for all; the same values)."""
    good = [i for i, d in enumerate(data) if d and len(d) == DIM * 2]
    out: list[np.ndarray | None] = [None] * len(data)
    if good:
        matrix = np.frombuffer(b"".join(data[i] or b"" for i in good), dtype="<f2").reshape(-1, DIM).astype(np.float32)
        for i, vector in zip(good, matrix, strict=True):
            out[i] = _unit(vector)
    return out


def _unit(vector: np.ndarray) -> np.ndarray:
    # np.linalg.norm of a 1-d float32 vector is sqrt(dot(x, x)): the same bits, without its overhead.
    norm = float(np.sqrt(vector.dot(vector)))
    return vector / norm if norm > 0 else vector


def stored_reading(
    insight_id: str, lang: str | None, words: Sequence[Sequence[Any]] | None, vector: bytes | None, reporter: str | None
) -> Reading | None:
    """The Reading of a stored insight, or None when it has no vector yet."""
    return reading_of(insight_id, lang, words, unpack_vector(vector), reporter)


def reading_of(
    insight_id: str,
    lang: str | None,
    words: Sequence[Sequence[Any]] | None,
    unpacked: np.ndarray | None,
    reporter: str | None,
) -> Reading | None:
    """:func:`stored_reading` with the vector already unpacked."""
    if unpacked is None:
        return None
    return Reading(id=insight_id, lang=lang or "fr", words=unpack_words(words), vector=unpacked, reporter=reporter)
