"""The signal classifier: which of lead / at_risk / reference / competitor / none the words carry.

Cue counts (:mod:`insights.tagging.signal_rules`, with negation) and, when an embedder is given, the
multilingual USE sentence embedding, fed to a class-balanced logistic regression. Cues and a 512-d
embedding carry meaning rather than vocabulary: word n-grams of the training set memorise its
organisation names and transfer badly to other workspaces (measured in docs/tagging.md). Whether
anyone carries the signal is decided afterwards from the organisations found (:mod:`insights.tagging.signal`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

from insights.tagging.signal_rules import signal_features

NONE = "none"  # the classifier's label for "no signal"
# Texts in, one unit-length row per text out (the sentence encoder the tagging process loads once).
Embedder = Callable[[Sequence[str]], NDArray[np.float32] | NDArray[np.float64]]


@dataclass(frozen=True)
class SignalModelConfig:
    """What the classifier reads and how hard it fits (chosen on the dev set, see docs/tagging.md)."""

    cues_weight: float = 2.0
    embed_weight: float = 2.0
    c: float = 4.0


@dataclass
class SignalModel:
    """A fitted signal classifier; ``predict`` gives every label's probability per (cleaned) text.

    The embedder is not part of the model's state: a model saved without it gets it back from the
    process that loads it (:meth:`with_embedder`).
    """

    config: SignalModelConfig = field(default_factory=SignalModelConfig)
    embedder: Embedder | None = None
    classifier: LogisticRegression = field(default_factory=LogisticRegression)
    classes: list[str] = field(default_factory=list)
    uses_embedding: bool = False

    def _matrix(self, texts: Sequence[str], vectors: NDArray[np.floating] | None = None) -> NDArray[np.float64]:
        parts = [self.config.cues_weight * signal_features(texts)]
        if self.uses_embedding and vectors is not None:
            parts.append(self.config.embed_weight * np.asarray(vectors, dtype=np.float64))
        elif self.uses_embedding:
            if self.embedder is None:
                raise RuntimeError("this signal model was trained with sentence embeddings: give it the embedder")
            parts.append(self.config.embed_weight * np.asarray(self.embedder(list(texts)), dtype=np.float64))
        return np.hstack(parts)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> SignalModel:
        self.uses_embedding = self.embedder is not None and self.config.embed_weight > 0
        self.classifier = LogisticRegression(C=self.config.c, class_weight="balanced", max_iter=5000)
        self.classifier.fit(self._matrix(texts), list(labels))
        self.classes = [str(c) for c in self.classifier.classes_]
        return self

    def predict(self, texts: Sequence[str], vectors: NDArray[np.floating] | None = None) -> list[dict[str, float]]:
        """The probability of every label (the four signals and ``none``) for each text; ``vectors`` are the
        texts' embeddings when the caller already has them (the tagging pipeline's component): not encoded twice."""
        if not texts:
            return []
        proba = self.classifier.predict_proba(self._matrix(texts, vectors))
        return [dict(zip(self.classes, map(float, row), strict=True)) for row in proba]

    def with_embedder(self, embedder: Embedder | None) -> SignalModel:
        """This model reading its embeddings from ``embedder`` (shared, so as not to load two encoders)."""
        self.embedder = embedder
        return self


def train_signal_model(
    examples: Sequence[tuple[str, str | None]],
    embedder: Embedder | None = None,
    config: SignalModelConfig | None = None,
) -> SignalModel:
    """Fit on ``(cleaned text, signal or None)`` pairs; without an embedder, on the cues alone."""
    return SignalModel(config or SignalModelConfig(), embedder).fit(
        [t for t, _ in examples], [s or NONE for _, s in examples]
    )
