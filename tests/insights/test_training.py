from __future__ import annotations

from pathlib import Path

import pytest

from insights.tagging.model import TaggingModel
from insights.tagging.training import (
    MODEL_FILE,
    Example,
    bundled_examples,
    evaluate,
    load_model,
    retrain,
    save_model,
    seed_examples,
    train,
    train_signal,
)
from insights.types import KINDS, SIGNALS, Kind


def test_training_seed_examples_cover_every_kind_and_signal() -> None:
    seeds = seed_examples()
    assert len(seeds) >= 250
    assert {e.kind for e in seeds} == set(KINDS)
    assert {e.signal for e in seeds} == {*SIGNALS, None}
    assert {e.lang for e in seeds} == {"fr", "en"}
    assert all(e.subject and e.subject in e.text for e in seeds if e.signal)


def test_training_save_and_load_round_trip(tmp_path: Path, model: TaggingModel) -> None:
    assert load_model(tmp_path) is None
    save_model(model, tmp_path / "models")
    loaded = load_model(tmp_path / "models")
    assert loaded is not None
    texts = ["Le VPN a encore planté", "We could record the onboarding sessions."]
    assert loaded.predict(texts) == model.predict(texts)


def test_training_evaluate_reports_scores(model: TaggingModel) -> None:
    scores = evaluate(model, seed_examples()[:60])
    assert set(scores) == {"kind_accuracy", "kind_macro_f1"}
    assert all(0.0 <= v <= 1.0 for v in scores.values())


def test_training_retrain_keeps_a_model_that_learned_the_corrections(tmp_path: Path) -> None:
    # Team jargon the bundled examples never saw: "le flux zorglub" is how this team says "let's try".
    corrections: list[tuple[str, Kind]] = [(f"Le flux zorglub pour l'équipe {n}", "idea") for n in range(20)]
    report = retrain(corrections, tmp_path)
    assert report.corrections == 20 and report.held_out == 6
    assert report.new_score > report.old_score
    assert report.kept
    saved = load_model(tmp_path)
    assert saved is not None
    assert saved.predict(["Le flux zorglub pour l'équipe 99"])[0][0] == "idea"


def test_training_retrain_with_too_few_corrections_keeps_the_old_model(tmp_path: Path) -> None:
    report = retrain([("Le VPN a planté", "problem")], tmp_path)
    assert not report.kept
    assert not (tmp_path / MODEL_FILE).exists()


def test_training_train_learns_from_examples() -> None:
    examples = bundled_examples()
    model = train(examples[:300])
    assert model.predict(["Bravo l'équipe, record de ventes battu !"])[0][0] == "success"
    signals = train_signal(examples[:300]).predict(["Biocoop menace de partir chez un concurrent."])
    assert set(signals[0]) == {*SIGNALS, "none"}
    assert max(signals[0], key=signals[0].__getitem__) == "at_risk"


def test_training_rejects_bad_labels(tmp_path: Path) -> None:
    from insights.tagging.training import load_examples

    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "x", "kind": "rant"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad label"):
        load_examples(path)


def test_training_example_defaults() -> None:
    assert Example("x", "other").signal is None
