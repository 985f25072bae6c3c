from __future__ import annotations

from typing import Any

import pytest
import spacy
from spacy.language import Language

import insights.pipeline as pipeline_module
from insights.pipeline import LoadedPipelines, load_english
from insights.tagging.english import COMPONENT, blank_english, lemmatize_word
from insights.tagging.tagger import Tagger
from insights.tagging.training import default_model


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("invoices", "invoice"),
        ("invoiced", "invoice"),
        ("invoicing", "invoice"),
        ("companies", "company"),
        ("delivered", "deliver"),
        ("shipping", "ship"),
        ("stopped", "stop"),
        ("boxes", "box"),
        ("was", "be"),
        ("lost", "lose"),
        ("sent", "send"),
        ("customers", "customer"),
        ("process", "process"),
        ("status", "status"),
        ("VPN", "vpn"),
    ],
)
def test_english_lemmatize_word(word: str, lemma: str) -> None:
    assert lemmatize_word(word) == lemma


def test_english_blank_pipeline_sets_lemmas_and_stop_words(en_blank: Language) -> None:
    assert COMPONENT in en_blank.pipe_names
    doc = en_blank("The printers were jamming and customers complained about the invoices")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert lemmas["printers"] == "printer"
    assert lemmas["customers"] == "customer"
    assert lemmas["invoices"] == "invoice"
    assert doc[0].is_stop and doc[3].lemma_ == "jam"


def test_english_falls_back_to_blank_when_no_model_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str, **_: Any) -> Language:
        raise OSError(f"[E050] Can't find model '{name}'")

    monkeypatch.setattr(pipeline_module.spacy, "load", missing)
    nlp, source = load_english()
    assert source == "blank"
    assert COMPONENT in nlp.pipe_names


def test_english_installed_model_path_is_used_and_tagged(monkeypatch: pytest.MonkeyPatch, fr: Language) -> None:
    """Pretend en_core_web_sm is installed: a pipeline with POS tags and NER, loaded through spacy.load."""
    asked: list[tuple[str, list[str]]] = []

    def fake_load(name: str, exclude: list[str] = []) -> Language:  # noqa: B006 - mirrors spacy.load
        asked.append((name, list(exclude)))
        if name != "en_core_web_sm":
            raise OSError(name)
        nlp = spacy.blank("en")
        ruler = nlp.add_pipe("entity_ruler")
        ruler.add_patterns([{"label": "ORG", "pattern": "Kessler Foods"}])  # type: ignore[attr-defined]
        nlp.add_pipe(COMPONENT)
        return nlp

    monkeypatch.setattr(pipeline_module.spacy, "load", fake_load)
    en, source = load_english()
    assert source == "en_core_web_sm"
    assert asked[0] == ("en_core_web_md", ["parser", "senter"])

    tagger = Tagger(LoadedPipelines(fr=fr, en=en, english_source=source), model=default_model())
    tags = tagger.tag("Kessler Foods is threatening to cancel their contract after three late deliveries.")
    assert tags.lang == "en"
    assert tags.signal == "at_risk"
    assert tags.subject == "Kessler Foods"
    assert ("Kessler Foods", "ORG") in {(e.text, e.label) for e in tags.entities}


def test_english_blank_pipeline_tags_an_insight(fr: Language) -> None:
    tagger = Tagger(LoadedPipelines(fr=fr, en=blank_english(), english_source="blank"), model=default_model())
    tags = tagger.tag("The label printer jams every morning, we lose half an hour before the first truck.")
    assert tags.lang == "en"
    assert tags.kind == "problem"
    assert "printer" in tags.keywords
    assert all(k == k.lower() for k in tags.keywords)
