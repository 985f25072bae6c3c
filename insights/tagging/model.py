"""The trained kind model: TF-IDF text features and a kind classifier.

The classifier is a calibrated linear SVM over word and character n-grams plus the kind rules' features
(the customer signal has its own model, :mod:`insights.tagging.signal_model`). After training it is compiled
into plain matrices, so predicting costs one sparse product per batch instead of scikit-learn's per-call
checks (which cost more than spaCy on one insight).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from insights.tagging.char_grams import CharGramTfidf
from insights.tagging.kind_rules import kind_features, normalize
from insights.types import KINDS, Kind

RULES_WEIGHT = 1.5  # rule features count a bit more than any single n-gram


def build_text_features() -> FeatureUnion:
    """Word 1–2-grams and character 3–5-grams (typos, franglais, inflections) of the normalised text."""
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(preprocessor=normalize, ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", CharGramTfidf(min_df=2)),
        ]
    )


def linear_classifier() -> CalibratedClassifierCV:
    """A linear SVM (fast on sparse n-grams) calibrated so that its scores are probabilities."""
    return CalibratedClassifierCV(LinearSVC(C=1.0, class_weight="balanced"), cv=3)


@dataclass
class CompiledLinear:
    """A fitted sigmoid-calibrated linear classifier as matrices: ``k`` folds × ``C`` classes of columns."""

    classes: list[str]
    weights: NDArray[np.float64]  # (features, k*C)
    intercepts: NDArray[np.float64]  # (k*C,)
    a: NDArray[np.float64]
    b: NDArray[np.float64]
    folds: int

    @classmethod
    def from_calibrated(cls, model: CalibratedClassifierCV) -> CompiledLinear:
        classes = [str(c) for c in model.classes_]
        columns_w: list[NDArray[np.float64]] = []
        columns_i: list[NDArray[np.float64]] = []
        a: list[float] = []
        b: list[float] = []
        for calibrated in model.calibrated_classifiers_:
            svm = calibrated.estimator
            if [str(c) for c in svm.classes_] != classes or len(classes) < 3:
                raise ValueError("every fold must see every class (and there must be 3 or more)")
            columns_w.append(svm.coef_.T)
            columns_i.append(svm.intercept_)
            a.extend(c.a_ for c in calibrated.calibrators)
            b.extend(c.b_ for c in calibrated.calibrators)
        return cls(
            classes,
            np.hstack(columns_w),
            np.concatenate(columns_i),
            np.asarray(a, dtype=np.float64),
            np.asarray(b, dtype=np.float64),
            len(model.calibrated_classifiers_),
        )

    def predict_proba(self, x: sp.csr_matrix) -> NDArray[np.float64]:
        """Class probabilities, the mean of the folds' normalised sigmoid outputs (as scikit-learn does)."""
        scores = np.asarray(x @ self.weights) + self.intercepts
        proba = 1.0 / (1.0 + np.exp(self.a * scores + self.b))
        proba = proba.reshape(x.shape[0], self.folds, len(self.classes))
        total = proba.sum(axis=2, keepdims=True)
        proba = np.divide(proba, total, out=np.full_like(proba, 1 / len(self.classes)), where=total != 0)
        return np.asarray(proba.mean(axis=1))


@dataclass
class TaggingModel:
    """The fitted text features and the kind classifier, and how many examples they learned from.

    Models saved before the signal classifier moved out still load: their extra fields are ignored.
    """

    features: FeatureUnion
    kind: CalibratedClassifierCV
    trained_on: int
    _kind: CompiledLinear = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._kind = CompiledLinear.from_calibrated(self.kind)

    def predict(self, texts: Sequence[str]) -> list[tuple[Kind, float]]:
        """Kind with its probability, for each text."""
        if not texts:
            return []
        text_x = sp.csr_matrix(self.features.transform(list(texts)))
        kind_p = self._kind.predict_proba(sp.hstack([text_x, RULES_WEIGHT * kind_features(texts)], format="csr"))
        kinds: list[tuple[Kind, float]] = []
        for row in kind_p:
            best = int(row.argmax())
            label = self._kind.classes[best]
            kinds.append((next((k for k in KINDS if k == label), "other"), round(float(row[best]), 3)))
        return kinds


def fit_model(kind_examples: Sequence[tuple[str, str]]) -> TaggingModel:
    """Fit the text features, then the kind classifier, on the labelled texts."""
    texts = [t for t, _ in kind_examples]
    features = build_text_features().fit(list(dict.fromkeys(texts)))
    x = sp.hstack([features.transform(texts), RULES_WEIGHT * kind_features(texts)], format="csr")
    kind = linear_classifier().fit(x, [label for _, label in kind_examples])
    return TaggingModel(features, kind, len(set(texts)))
