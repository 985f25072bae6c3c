from __future__ import annotations

import numpy as np
import pytest
import spacy

from insights.themes.encoder import EXTENSION, FACTORY, SentenceVector, doc_vectors
from insights.themes.trends import trend


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([4], "new"),
        ([0, 0, 3], "new"),
        ([3, 0, 2], "recurring"),
        ([2, 6], "growing"),
        ([6, 2], "fading"),
        ([1, 2], "stable"),
        ([5, 5], "stable"),
    ],
)
def test_trends_from_weekly_counts(counts: list[int], expected: str) -> None:
    assert trend(counts) == expected


class FakeEncoder:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return np.array([[len(t), 1.0] + [0.0] * 510 for t in texts], dtype=np.float32)


def test_encoder_component_sets_unit_vectors_in_batches() -> None:
    nlp = spacy.blank("fr")
    fake = FakeEncoder()
    nlp.add_pipe(FACTORY, config={"batch_size": 3})
    component = nlp.get_pipe(FACTORY)
    assert isinstance(component, SentenceVector)
    component._encoder = fake
    docs = list(nlp.pipe(["VPN en panne", "note de frais", "café", "", "x"], batch_size=3))
    assert fake.calls == [3, 1]  # one call per batch, the empty text is not encoded
    vectors = doc_vectors(docs)
    assert vectors.shape == (5, 512)
    assert np.allclose(np.linalg.norm(vectors[[0, 1, 2, 4]], axis=1), 1.0) and not vectors[3].any()
    assert docs[0]._.get(EXTENSION) is not None and np.allclose(np.asarray(docs[0].vector), vectors[0])
    assert docs[0].similarity(docs[1]) == pytest.approx(float(vectors[0] @ vectors[1]), abs=1e-6)
