"""Themes from precomputed lemmas: no spaCy, large weeks through the sampled path."""

from __future__ import annotations

import random

from insights.themes.grouping import SAMPLE_SIZE
from insights.themes.weekly import cluster_lemmas

SUBJECTS = {
    "vpn": ["vpn", "panne", "connexion", "serveur", "outage", "connect", "remote", "token"],
    "coffee": ["café", "machine", "coffee", "fuite", "réparateur", "cuisine", "capsule", "broken"],
    "late": ["livraison", "retard", "transporteur", "colis", "delivery", "late", "carrier", "client"],
}


def _week(per_subject: int, seed: int = 1) -> tuple[list[str], list[tuple[str, ...]], list[str]]:
    rng = random.Random(seed)
    ids, lemmas, gold = [], [], []
    for subject, words in SUBJECTS.items():
        for i in range(per_subject):
            ids.append(f"{subject}-{i}")
            lemmas.append(tuple(rng.sample(words, 4)))
            gold.append(subject)
    return ids, lemmas, gold


def test_themes_lemmas_find_subjects_without_spacy() -> None:
    ids, lemmas, gold = _week(5)
    themes = cluster_lemmas(ids, lemmas)
    assert sorted(t.size for t in themes) == [5, 5, 5]
    for theme in themes:
        assert len({member.split("-")[0] for member in theme.member_ids}) == 1


def test_themes_lemmas_large_week_is_sampled_and_everyone_assigned() -> None:
    ids, lemmas, gold = _week(SAMPLE_SIZE // 2)  # 3 × 2,000 insights: above the sample size
    themes = cluster_lemmas(ids, lemmas)
    assert sum(t.size for t in themes) == len(ids)
    biggest = sorted(themes, key=lambda t: -t.size)[:3]
    assert sum(t.size for t in biggest) >= 0.95 * len(ids)
    for theme in biggest:
        subjects = [member.split("-")[0] for member in theme.member_ids]
        assert max(subjects.count(s) for s in SUBJECTS) >= 0.95 * len(subjects)


def test_themes_lemmas_are_deterministic() -> None:
    ids, lemmas, _ = _week(6)
    assert cluster_lemmas(ids, lemmas) == cluster_lemmas(ids, lemmas)


def test_themes_lemmas_biggest_theme_comes_first_and_keys_are_unique() -> None:
    ids, lemmas, _ = _week(4)
    ids.append("extra")
    lemmas.append(("vpn", "panne", "serveur"))
    themes = cluster_lemmas(ids, lemmas)
    assert themes[0].size == 5
    assert len({t.key for t in themes}) == len(themes)


def test_grouping_singleton_joins_the_nearest_theme_above_the_floor() -> None:
    import numpy as np
    import scipy.sparse as sp

    from insights.themes.grouping import attach_singletons

    rows = sp.csr_matrix(
        np.array(
            [
                [1.0, 0.0, 0.0, 0.0],
                [0.8, 0.6, 0.0, 0.0],
                [0.6, 0.0, 0.8, 0.0],  # alone after the cut, close to theme 0's centroid
                [0.0, 0.0, 0.0, 1.0],  # alone, shares nothing: stays alone
            ],
            dtype=np.float32,
        )
    )
    attached = attach_singletons(rows, np.array([0, 0, 1, 2]), distance=1.34)
    assert attached.tolist() == [0, 0, 0, 1]


def test_grouping_lexicon_maps_french_onto_inflected_english() -> None:
    from insights.themes.lexicon import term_of

    assert term_of("réunion") == term_of("meetings")
    assert term_of("formation") == term_of("training")


def test_grouping_lexicon_reads_inflected_french_verbs_and_english_variants() -> None:
    from insights.themes.lexicon import term_of

    # spaCy's French lemmatizer leaves unknown verb forms as they are: « le VPN coupe », « on ressaisit ».
    assert term_of("coupe") == term_of("panne") == term_of("down") == term_of("outages")
    assert term_of("ressaisit") == term_of("ressaisir") == term_of("saisie")
    assert term_of("deliver") == term_of("delivered") == term_of("deliveries") == term_of("livrer")
    assert term_of("approve") == term_of("valider") == term_of("approvals")
    assert term_of("late") == term_of("retard")
    assert term_of("plante") == term_of("crash")


def test_grouping_terms_drop_words_that_name_no_subject() -> None:
    from insights.themes.vectors import terms_of

    lemmas = [("idée", "vpn", "10h", "coup", "25k€", "k€", "tx-40", "super", "problem", "troisième")]
    assert terms_of(lemmas) == [["vpn", "tx-40"]]


def test_grouping_a_word_every_insight_uses_does_not_make_a_theme() -> None:
    # « Le VPN est tombé » and « la machine à café est en panne » share only ``outage``.
    lemmas = [("vpn", "tomber", "impossible", "connecter", "serveur"), ("machine", "café", "deuxième", "panne", "café")]
    themes = cluster_lemmas(["a", "b"], lemmas)
    assert len(themes) == 2


def test_grouping_vpn_outage_reported_three_ways_is_one_theme() -> None:
    # The demo's VPN insights (French « panne », French « coupe » read as a noun, English "down") among
    # other subjects, one of them also « en panne ».
    lemmas = [
        ("panne", "vpn", "équipe", "support", "perdre"),
        ("vpn", "coupe", "visio", "impossible", "démo", "client", "maison"),
        ("vpn", "down", "lyon", "office", "reach", "erp"),
        ("machine", "café", "deuxième", "panne"),
        ("machine", "café", "étage", "fuir", "flaque", "ascenseur"),
        ("livraison", "arriver", "retard", "changement", "transporteur", "resto", "appeler"),
        ("delivery", "lille", "warehouse", "late", "customer", "call", "support", "miss", "parcel"),
        ("client", "appeler", "colis", "abîmer", "transporteur"),
        ("chargeur", "salle"),
    ]
    ids = [str(i) for i in range(len(lemmas))]
    themes = cluster_lemmas(ids, lemmas)
    owner = {member: theme.key for theme in themes for member in theme.member_ids}
    assert owner["0"] == owner["1"] == owner["2"]
    assert owner["3"] == owner["4"] != owner["0"]
    assert owner["5"] == owner["6"] != owner["0"]
