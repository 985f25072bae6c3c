"""Tagging quality on the development set, by stratified 5-fold cross-validation.

    python -m bench.quality_tagging

Each fold trains on the seed examples plus four fifths of ``insights_dev.jsonl`` (written for this
project) and scores the fifth it never saw, through the real :class:`insights.tagging.tagger.Tagger` (spaCy,
organisations, rules and classifiers). Beside each figure, a baseline trained on the same rows in the
same run: TF-IDF word n-grams + logistic regression for kind and signal, spaCy's first ORG entity for
the subject, and lingua alone for the language.

Signal macro-F1 is the mean F1 of the four signals; "no signal" is not a class of its own in that mean
but counts against them: a signal predicted where the gold has none is a false positive of that
signal, and a missed one a false negative.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline

from insights.language import detect_language
from insights.pipeline import LoadedPipelines, load_pipelines
from insights.tagging.tagger import Tagger
from insights.tagging.training import Example, seed_examples, train, train_signal
from insights.text import clean_slack_text
from insights.types import KINDS, SIGNALS, Lang

NONE = "none"
FOLDS = 5


def data_dir() -> Path:
    """Where the shared data sets live: ``$PEPITES_DATA_DIR`` or ``../shared/data`` beside the repository."""
    override = os.environ.get("PEPITES_DATA_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "data"


def load_dev(path: Path) -> tuple[list[Example], list[Lang]]:
    """The development rows as examples, and their gold languages."""
    examples: list[Example] = []
    langs: list[Lang] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(Example(row["text"], row["kind"], row.get("signal"), row.get("subject"), row["lang"]))
            langs.append(row["lang"])
    return examples, langs


def baseline_model() -> Pipeline:
    """The plain baseline: TF-IDF over words and a logistic regression."""
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(class_weight="balanced", max_iter=2000),
    )


def lingua_only(texts: Sequence[str]) -> list[str]:
    """Language by lingua alone (French/English), for comparison with the rules + lingua detector."""
    from lingua import Language, LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).build()
    return ["en" if detector.detect_language_of(clean_slack_text(t)) == Language.ENGLISH else "fr" for t in texts]


def _confusion(title: str, gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> None:
    print(f"\n{title} (rows: gold, columns: predicted)")
    width = max(len(label) for label in labels) + 1
    print(" " * width + " ".join(f"{label[:7]:>7}" for label in labels))
    for label, row in zip(labels, confusion_matrix(gold, predicted, labels=list(labels)), strict=True):
        print(f"{label:<{width}}" + " ".join(f"{n:>7}" for n in row))


def cross_validate(pipelines: LoadedPipelines, dev: list[Example], seeds: list[Example]) -> dict[str, list[str]]:
    """Out-of-fold predictions of the tagger and of the baselines for every development row."""
    n = len(dev)
    out: dict[str, list[str]] = {key: [""] * n for key in ("kind", "signal", "subject", "b_kind", "b_signal", "b_subj")}
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    for train_rows, test_rows in folds.split([e.text for e in dev], [e.kind for e in dev]):
        training = seeds + [dev[i] for i in train_rows]
        # The signal classifier on cue words alone here; bench/quality_signals.py adds the sentence embedding.
        tagger = Tagger(pipelines, model=train(training), signal_model=train_signal(training))
        texts = [dev[i].text for i in test_rows]
        b_kind = baseline_model().fit([e.text for e in training], [e.kind for e in training])
        b_signal = baseline_model().fit([e.text for e in training], [e.signal or NONE for e in training])
        for i, tags, bk, bs in zip(
            test_rows, tagger.tag_many(texts), b_kind.predict(texts), b_signal.predict(texts), strict=True
        ):
            out["kind"][i], out["signal"][i], out["subject"][i] = tags.kind, tags.signal or NONE, tags.subject or ""
            out["b_kind"][i], out["b_signal"][i] = str(bk), str(bs)
            ents = pipelines.for_lang(tags.lang)(clean_slack_text(dev[i].text)).ents
            out["b_subj"][i] = next((e.text for e in ents if e.label_ == "ORG"), "")
    return out


def main() -> int:
    """Print language, kind, signal and subject quality with their baselines."""
    path = data_dir() / "insights_dev.jsonl"
    if not path.is_file():
        print(f"no development set at {path} (set PEPITES_DATA_DIR)", file=sys.stderr)
        return 2
    dev, langs = load_dev(path)
    seeds = seed_examples()
    started = time.perf_counter()
    pipelines = load_pipelines()
    # The language does not depend on the models.
    tagger = Tagger(pipelines, model=train(seeds), signal_model=train_signal(seeds))
    detected = [t.lang for t in tagger.tag_many([e.text for e in dev])]
    p = cross_validate(pipelines, dev, seeds)
    gold_kind = [e.kind for e in dev]
    gold_signal = [e.signal or NONE for e in dev]
    with_signal = [i for i, e in enumerate(dev) if e.signal]

    def kind_f1(predicted: Sequence[str]) -> float:
        return float(f1_score(gold_kind, predicted, average="macro", labels=list(KINDS)))

    def signal_f1(predicted: Sequence[str]) -> float:
        return float(f1_score(gold_signal, predicted, average="macro", labels=list(SIGNALS), zero_division=0))

    def subject_match(predicted: Sequence[str]) -> float:
        return sum(predicted[i] == dev[i].subject for i in with_signal) / max(1, len(with_signal))

    print(f"insights_dev.jsonl (written for this project): {len(dev)} rows, {FOLDS}-fold stratified CV,")
    print(f"each training fold + {len(seeds)} seed examples; scored rows never trained on.\n")
    print(f"{'metric':<28}{'tagger':>8}{'baseline':>10}  target")
    lang_base = accuracy_score(langs, lingua_only([e.text for e in dev]))
    print(f"{'language accuracy':<28}{accuracy_score(langs, detected):>8.3f}{lang_base:>10.3f}  (lingua alone)")
    # The same rows cut to their first three words: what a terse Slack message gives the detector.
    short = [" ".join(clean_slack_text(e.text).split()[:3]) for e in dev]
    short_acc = accuracy_score(langs, [detect_language(t) for t in short])
    print(f"{'language, first 3 words':<28}{short_acc:>8.3f}{accuracy_score(langs, lingua_only(short)):>10.3f}")
    print(
        f"{'kind accuracy':<28}{accuracy_score(gold_kind, p['kind']):>8.3f}"
        f"{accuracy_score(gold_kind, p['b_kind']):>10.3f}"
    )
    print(f"{'kind macro-F1':<28}{kind_f1(p['kind']):>8.3f}{kind_f1(p['b_kind']):>10.3f}  >= 0.85")
    print(
        f"{'signal macro-F1 (4 signals)':<28}{signal_f1(p['signal']):>8.3f}{signal_f1(p['b_signal']):>10.3f}  >= 0.80"
    )
    print(
        f"{'subject exact match':<28}{subject_match(p['subject']):>8.3f}{subject_match(p['b_subj']):>10.3f}"
        f"  >= 0.85  (on the {len(with_signal)} rows with a gold signal; baseline: spaCy's first ORG)"
    )
    _confusion("kind", gold_kind, p["kind"], KINDS)
    _confusion("signal", gold_signal, p["signal"], (*SIGNALS, NONE))
    print(f"\n{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
