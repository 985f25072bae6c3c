"""Themes of one week: subjects found from the text, readable labels, tiny weeks, reporters."""

from __future__ import annotations

import math

import pytest
from spacy.language import Language

from insights.pipeline import LoadedPipelines
from insights.themes.vectors import THEME_DIM
from insights.themes.weekly import NO_SUBJECT_LABEL, ThemeCluster, ThemeItem, cluster_week

VPN = [
    "Le VPN est encore tombé ce matin, impossible de me connecter au serveur.",
    "Troisième coupure du VPN cette semaine, on perd des heures.",
    "VPN outage again today, nobody on the remote team could connect.",
]
COFFEE = [
    "La machine à café du 2e est encore en panne, plus de café depuis lundi.",
    "Quelqu'un peut appeler le réparateur pour la machine à café ? Elle fuit partout.",
    "The coffee machine on the second floor is broken again, no coffee since Monday.",
]
DELIVERIES = [
    "Les livraisons du transporteur arrivent avec trois jours de retard, les clients râlent.",
    "Encore un retard de livraison chez Biocoop, le colis devait arriver mardi.",
    "Late deliveries again: the carrier delivered the Leroy order four days late.",
]


def _items(texts: list[str], prefix: str) -> list[ThemeItem]:
    return [ThemeItem(id=f"{prefix}{i}", text=t, reporter=f"U{prefix}{i}") for i, t in enumerate(texts)]


def _theme_of(themes: list[ThemeCluster], item_id: str) -> ThemeCluster:
    return next(t for t in themes if item_id in t.member_ids)


@pytest.fixture(scope="module")
def three_subjects(pipelines: LoadedPipelines) -> list[ThemeCluster]:
    items = _items(VPN, "vpn") + _items(COFFEE, "coffee") + _items(DELIVERIES, "late")
    return cluster_week(items, pipelines)


def test_themes_three_subjects_make_three_themes(three_subjects: list[ThemeCluster]) -> None:
    prefixes = ("vpn", "coffee", "late")
    groups = {prefix: {_theme_of(three_subjects, f"{prefix}{i}").key for i in range(3)} for prefix in prefixes}
    assert all(len(keys) == 1 for keys in groups.values()), groups
    assert len({next(iter(keys)) for keys in groups.values()}) == 3
    assert len(three_subjects) == 3


@pytest.mark.parametrize(
    ("member", "words"),
    [
        ("vpn0", {"vpn"}),
        ("coffee0", {"café", "machine", "coffee"}),
        ("late0", {"livraison", "retard", "late", "delivery"}),
    ],
)
def test_themes_labels_name_the_subject(three_subjects: list[ThemeCluster], member: str, words: set[str]) -> None:
    theme = _theme_of(three_subjects, member)
    label_words = theme.label.split()
    assert 2 <= len(label_words) <= 4 or label_words == ["vpn"]
    assert words & set(label_words), theme.label


def test_themes_french_and_english_on_one_subject_land_together(three_subjects: list[ThemeCluster]) -> None:
    # VPN[2], COFFEE[2] and DELIVERIES[2] are English; the others French.
    for prefix in ("vpn", "coffee", "late"):
        assert _theme_of(three_subjects, f"{prefix}2").key == _theme_of(three_subjects, f"{prefix}0").key


def test_themes_sizes_reporters_and_centroids(three_subjects: list[ThemeCluster]) -> None:
    for theme in three_subjects:
        assert theme.size == len(theme.member_ids) == 3
        assert theme.reporters == 3
        assert len(theme.centroid) == THEME_DIM
        assert math.isclose(math.sqrt(sum(x * x for x in theme.centroid)), 1.0, abs_tol=1e-3)


def test_themes_empty_week_has_no_theme(pipelines: LoadedPipelines) -> None:
    assert cluster_week([], pipelines) == []


def test_themes_single_insight_is_one_theme(pipelines: LoadedPipelines) -> None:
    [theme] = cluster_week([ThemeItem(id="1", text=VPN[0], reporter="U1")], pipelines)
    assert theme.member_ids == ("1",)
    assert theme.size == 1 and theme.reporters == 1
    assert "vpn" in theme.label.split()


def test_themes_two_insights_on_one_subject_share_a_theme(pipelines: LoadedPipelines) -> None:
    themes = cluster_week(_items(VPN[:2], "v"), pipelines)
    assert len(themes) == 1 and themes[0].size == 2


def test_themes_two_unrelated_insights_stay_apart(pipelines: LoadedPipelines) -> None:
    themes = cluster_week([ThemeItem(id="a", text=VPN[0]), ThemeItem(id="b", text=COFFEE[0])], pipelines)
    assert len(themes) == 2


def test_themes_reporters_are_counted_once(pipelines: LoadedPipelines) -> None:
    items = [ThemeItem(id=str(i), text=t, reporter="U1" if i < 2 else None) for i, t in enumerate(VPN)]
    [theme] = cluster_week(items, pipelines)
    assert theme.size == 3 and theme.reporters == 1


def test_themes_insights_without_content_words_share_one_theme(pipelines: LoadedPipelines) -> None:
    items = _items(VPN, "v") + [ThemeItem(id="x", text="+1"), ThemeItem(id="y", text="<https://example.com>")]
    themes = cluster_week(items, pipelines)
    leftover = _theme_of(themes, "x")
    assert leftover.member_ids == ("x", "y")
    assert leftover.label == NO_SUBJECT_LABEL
    assert _theme_of(themes, "v0").size == 3


DEMO_VPN = [
    "Encore une panne du VPN ce matin, toute l'équipe support a perdu une heure. C'est la troisième fois ce mois-ci.",
    "Le VPN coupe dès qu'on passe en visio, impossible de faire une démo client depuis la maison.",
    "VPN down again for the whole Lyon office, nobody could reach the ERP until 10am.",
]
DEMO_OTHERS = [
    "La machine à café du 2e est encore en panne, ça fait trois jours.",
    "Super, la machine à café du deuxième étage fuit encore… il y a une flaque devant l'ascenseur.",
    "Support cleared the whole ticket backlog in two days, great job everyone!",
    "Trois clients ont appelé pour des colis abîmés cette semaine, toujours avec le même transporteur.",
    "Deliveries to the Lille warehouse are late again, customers keep calling support about missing parcels.",
]


def test_themes_vpn_outage_said_three_ways_is_one_theme(pipelines: LoadedPipelines) -> None:
    # « panne », « le VPN coupe » (lemmatised as the noun « coupe ») and "down" (an English stop word)
    # all count as an outage; the coffee machine « en panne » and support's backlog stay apart.
    themes = cluster_week(_items(DEMO_VPN, "vpn") + _items(DEMO_OTHERS, "other"), pipelines)
    vpn = _theme_of(themes, "vpn0")
    assert {"vpn0", "vpn1", "vpn2"} <= set(vpn.member_ids)
    assert not {"other0", "other1", "other2"} & set(vpn.member_ids)
    assert "vpn" in vpn.label.split()


def test_themes_english_down_is_kept_as_a_content_word(en_blank: Language) -> None:
    from insights.tagging.lemmas import doc_lemmas

    assert "down" in doc_lemmas(en_blank("VPN down again for the whole Lyon office."))
