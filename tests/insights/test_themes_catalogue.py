from __future__ import annotations

import numpy as np

from insights.themes.assign import assign, group_unassigned, ingest
from insights.themes.catalogue import Founded, replay, theme_id_for
from insights.themes.grouping import GroupingParams
from insights.themes.space import catalogue_space
from insights.themes.types import Reading
from tests.support.readings import make_reading

SMALL = GroupingParams(use_weight=0.5, scale_neighbour=1, cut=0.2)


def _catalogue(readings: list[Reading]) -> list[Founded]:
    vpn = tuple(r.id for r in readings if r.id.startswith("v"))
    frais = tuple(r.id for r in readings if r.id.startswith("n"))
    return [
        Founded(seq=1, theme_id=theme_id_for(vpn), label="VPN", members=vpn, week="2026-W01"),
        Founded(seq=2, theme_id=theme_id_for(frais), label="note de frais", members=frais, week="2026-W01"),
    ]


def test_catalogue_assign_joins_closest_theme_in_both_languages(vpn_week: list[Reading]) -> None:
    cat = replay(_catalogue(vpn_week))
    space = catalogue_space(cat, {r.id: r for r in vpn_week})
    new = [
        make_reading("x1", "Le VPN coupe à la maison.", "fr"),
        make_reading("x2", "VPN down at home during the call.", "en"),
        make_reading("x3", "Encore une note de frais refusée pour un taxi.", "fr"),
    ]
    chosen = assign(new, space, floor=0.05)
    vpn_id, frais_id = (e.theme_id for e in _catalogue(vpn_week))
    assert chosen == [vpn_id, vpn_id, frais_id]


def test_catalogue_assign_leaves_an_unrelated_insight_unthemed(vpn_week: list[Reading]) -> None:
    cat = replay(_catalogue(vpn_week))
    space = catalogue_space(cat, {r.id: r for r in vpn_week})
    chosen = assign([make_reading("x", "Parking plein, voitures garées sur la pelouse.", "fr")], space, floor=0.05)
    assert chosen == [None]


def test_catalogue_assign_without_themes_assigns_nothing(vpn_week: list[Reading]) -> None:
    assert assign(vpn_week, catalogue_space(replay([]), {})) == [None] * len(vpn_week)


def test_group_unassigned_keeps_only_groups_of_two_or_more(vpn_week: list[Reading]) -> None:
    groups = group_unassigned(vpn_week, "fr", SMALL)
    members = [set(ids) for ids, _ in groups]
    assert {"v1", "v2", "v3"} in members and {"n1", "n2", "n3"} in members
    assert all("c1" not in m for m in members)  # the coffee machine stays in « autres »
    assert all(label for _, label in groups)


def test_ingest_adding_insights_never_moves_earlier_ones(vpn_week: list[Reading]) -> None:
    stored = {r.id: r for r in vpn_week}
    log = ingest(replay([]), vpn_week, stored, "2026-W01", params=SMALL)
    before = dict(replay(log).theme_of)
    more = [
        make_reading("x1", "VPN down again, and the CRM too.", "en"),
        make_reading("x2", "La machine à café fuit encore, flaque au deuxième étage.", "fr"),
    ]
    stored |= {r.id: r for r in more}
    log = [*log, *ingest(replay(log), more, stored, "2026-W02", params=SMALL, floor=0.05)]
    after = replay(log).theme_of
    assert all(after[i] == t for i, t in before.items())


def test_two_replicas_replaying_the_same_log_agree(vpn_week: list[Reading]) -> None:
    stored = {r.id: r for r in vpn_week}
    first = ingest(replay([]), vpn_week, stored, "w", params=SMALL)
    second = ingest(replay([]), list(reversed(vpn_week)), stored, "w", params=SMALL)
    assert replay(first).theme_of == replay(second).theme_of  # same groups -> same ids, whatever the order
    a = catalogue_space(replay(first), stored)
    b = catalogue_space(replay(first), dict(reversed(list(stored.items()))))
    assert a is not None and b is not None
    assert np.array_equal(a.use_centroids, b.use_centroids)
