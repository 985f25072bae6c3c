from __future__ import annotations

import re

import pytest

from insights.themes.labels import group_labels, label_words
from insights.themes.types import Reading
from tests.support.readings import make_reading


def _written(label: str, group: list[Reading]) -> bool:
    texts = [" ".join(w.text for w in r.words).replace("' ", "'").lower() for r in group]
    return all(any(re.search(rf"(?<!\w){re.escape(w.lower())}(?!\w)", t) for t in texts) for w in label_words(label))


def test_labels_prefer_a_shared_noun_phrase_with_accents_kept() -> None:
    group = [
        make_reading("1", "Ma note de frais est bloquée depuis un mois.", "fr"),
        make_reading("2", "Quatre signatures pour une note de frais de 12 euros.", "fr"),
        make_reading("3", "Les délais de paiement des notes de frais sont trop longs.", "fr"),
    ]
    other = [
        make_reading("4", "Le délai de paiement client explose.", "fr"),
        make_reading("5", "Délai de paiement.", "fr"),
    ]
    labels = group_labels([group, other], "fr")
    assert labels[0] == "note de frais"
    assert labels[1] == "délai de paiement"
    assert all(_written(label or "", g) for label, g in zip(labels, [group, other], strict=True))


def test_labels_never_use_a_persons_name() -> None:
    group = [
        make_reading("1", "Merci Léa pour la démo client, super démo.", "fr"),
        make_reading("2", "Encore bravo Léa, la démo a convaincu Biocoop.", "fr"),
    ]
    label = group_labels([group], "fr")[0]
    assert label is not None and "Léa" not in label and "Biocoop" not in label
    assert "démo" in label


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_labels_one_insight_gets_none(lang: str) -> None:
    assert group_labels([[make_reading("1", "VPN down.", lang)]], lang) == [None]


def test_labels_english_theme_reads_as_written() -> None:
    group = [
        make_reading("1", "The label printer jams every morning.", "en"),
        make_reading("2", "Label printer jammed again, lost an hour.", "en"),
    ]
    label = group_labels([group], "en")[0]
    assert label == "label printer" and _written(label, group)
