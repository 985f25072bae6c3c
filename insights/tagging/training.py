"""Training, scoring, saving and retraining the kind and signal classifiers.

The default models are trained at first use from the examples bundled in ``insights/data`` (a second or
two on one core, the sentence embeddings of the examples included), so no pickle has to travel with the
package or match its scikit-learn version.
A model retrained from corrections made in Slack is saved with joblib in a directory the caller owns.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from insights.tagging.kind import predict_kinds
from insights.tagging.model import TaggingModel, fit_model
from insights.tagging.signal_model import Embedder, SignalModel, train_signal_model
from insights.text import clean_slack_text
from insights.types import KINDS, SIGNALS, Kind, Lang, Signal

DATA_DIR = Path(__file__).parents[1] / "data"
SEED_FILE = DATA_DIR / "seed_examples.jsonl"
DEV_FILE = DATA_DIR / "dev_examples.jsonl"
MODEL_FILE = "tagging_model.joblib"
FORMAT_VERSION = 3
# Version 2 held a signal classifier beside the kind one; its kind classifier still loads.
READABLE_VERSIONS = frozenset({2, FORMAT_VERSION})


@dataclass(frozen=True)
class Example:
    """One labelled insight."""

    text: str
    kind: Kind
    signal: Signal | None = None
    subject: str | None = None
    lang: Lang | None = None


@dataclass(frozen=True)
class TrainReport:
    """What a retraining did: the scores of the old and new kind models on the same held-out corrections."""

    old_score: float
    new_score: float
    kept: bool
    corrections: int
    train_examples: int
    held_out: int


def load_examples(path: Path) -> list[Example]:
    """Read labelled insights from JSON Lines (``text``, ``kind``, optional ``signal``, ``subject``, ``lang``)."""
    out: list[Example] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            kind, signal = row["kind"], row.get("signal")
            if kind not in KINDS or (signal is not None and signal not in SIGNALS):
                raise ValueError(f"{path}: bad label in {line[:80]!r}")
            out.append(Example(row["text"], kind, signal, row.get("subject"), row.get("lang")))
    return out


def seed_examples() -> list[Example]:
    """The hand-written seed examples shipped with the package."""
    return load_examples(SEED_FILE)


def bundled_examples() -> list[Example]:
    """Every labelled example shipped with the package: the seeds and the development set."""
    return seed_examples() + load_examples(DEV_FILE)


def train(examples: Sequence[Example]) -> TaggingModel:
    """Fit the kind classifier."""
    return fit_model([(e.text, e.kind) for e in examples])


def train_signal(examples: Sequence[Example], embedder: Embedder | None = None) -> SignalModel:
    """Fit the signal classifier on the examples' readable text (with sentence embeddings if ``embedder``)."""
    return train_signal_model([(clean_slack_text(e.text), e.signal) for e in examples], embedder)


def kind_accuracy(model: TaggingModel | None, examples: Sequence[Example]) -> float:
    """Share of examples whose kind the model gets right (the rules alone when ``model`` is None)."""
    if not examples:
        return 0.0
    predicted = [k for k, _ in predict_kinds(model, [e.text for e in examples])]
    return float(accuracy_score([e.kind for e in examples], predicted))


def evaluate(model: TaggingModel, examples: Sequence[Example]) -> dict[str, float]:
    """Kind accuracy and macro-F1 (signals and subjects are scored whole by ``bench/quality_signals.py``)."""
    predicted = [k for k, _ in model.predict([e.text for e in examples])]
    gold = [e.kind for e in examples]
    return {
        "kind_accuracy": float(accuracy_score(gold, predicted)),
        "kind_macro_f1": float(f1_score(gold, predicted, average="macro", labels=list(KINDS), zero_division=0)),
    }


def save_model(model: TaggingModel, model_dir: Path) -> Path:
    """Write the model into ``model_dir`` (created if needed) and return the file written."""
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / MODEL_FILE
    tmp = path.with_suffix(".tmp")
    joblib.dump({"version": FORMAT_VERSION, "model": model}, tmp)
    tmp.replace(path)  # readers never see half a file
    return path


def load_model(model_dir: Path) -> TaggingModel | None:
    """The model saved in ``model_dir``, or None when there is none (or it is from an older format)."""
    path = model_dir / MODEL_FILE
    if not path.is_file():
        return None
    saved = joblib.load(path)
    if not isinstance(saved, dict) or saved.get("version") not in READABLE_VERSIONS:
        return None
    model = saved.get("model")
    return model if isinstance(model, TaggingModel) else None


_default: TaggingModel | None = None
_default_lock = threading.Lock()


def default_model() -> TaggingModel:
    """The kind model trained on the bundled examples, trained once per process on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = train(bundled_examples())
        return _default


def default_signal_model(embedder: Embedder | None = None) -> SignalModel:
    """The signal model trained on the bundled examples (about 1 s with embeddings on a quiet core)."""
    return train_signal(bundled_examples(), embedder)


def _split(corrections: list[Example], seed: int) -> tuple[list[Example], list[Example]]:
    labels = [e.kind for e in corrections]
    held = max(1, round(len(corrections) * 0.3))
    stratify = labels if min(labels.count(k) for k in set(labels)) >= 2 and held >= len(set(labels)) else None
    train_part, held_out = train_test_split(corrections, test_size=held, random_state=seed, stratify=stratify)
    return list(train_part), list(held_out)


def retrain(
    corrections: Sequence[tuple[str, Kind]],
    model_dir: Path,
    base: Iterable[Example] | None = None,
    seed: int = 0,
) -> TrainReport:
    """Retrain the kind model on people's corrections plus the bundled examples; keep it only if it does better.

    Old and new models are scored on the same 30 % of the corrections, which the new model does not
    train on. The kept model is then refitted on every correction and saved in ``model_dir``.
    """
    fixed = [Example(text, kind) for text, kind in corrections if text.strip() and kind in KINDS]
    base_examples = list(base) if base is not None else bundled_examples()
    old = load_model(model_dir) or default_model()
    if len(fixed) < 2:
        score = kind_accuracy(old, fixed)
        return TrainReport(score, score, False, len(fixed), 0, len(fixed))
    train_part, held_out = _split(fixed, seed)
    candidate = train(base_examples + train_part)
    old_score, new_score = kind_accuracy(old, held_out), kind_accuracy(candidate, held_out)
    kept = new_score > old_score
    if kept:
        save_model(train(base_examples + fixed), model_dir)
    return TrainReport(
        round(old_score, 4), round(new_score, 4), kept, len(fixed), len(base_examples) + len(train_part), len(held_out)
    )
