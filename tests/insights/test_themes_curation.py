from __future__ import annotations

import pytest

from insights.themes.assign import assign
from insights.themes.catalogue import Catalogue, Event, Founded, replay
from insights.themes.curation import CurationError, hide, merge, move, rename, undo
from insights.themes.space import catalogue_space
from insights.themes.types import Reading
from tests.support.readings import make_reading


def _log() -> list[Event]:
    return [
        Founded(seq=1, theme_id="t-vpn", label="VPN, maison", members=("v1", "v2"), week="1"),
        Founded(seq=2, theme_id="t-vpn2", label="coupure du VPN", members=("v3",), week="1"),
        Founded(seq=3, theme_id="t-frais", label="note de frais", members=("n1", "n2"), week="1"),
    ]


def _with(log: list[Event], make: object) -> tuple[list[Event], Catalogue]:
    assert callable(make)
    event = make(replay(log))
    new = [*log, event]
    return new, replay(new)


def test_curation_rename_wins_and_undo_restores_the_label() -> None:
    log, cat = _with(_log(), lambda c: rename(c, "t-vpn", "  Pannes   VPN ", by="U1", at="2026-01-05"))
    assert cat.themes["t-vpn"].shown_label == "Pannes VPN" and cat.themes["t-vpn"].curated
    log, cat = _with(log, lambda c: undo(c, log[-1].seq, by="U1"))
    assert cat.themes["t-vpn"].shown_label == "VPN, maison"


def test_curation_merge_moves_members_and_undo_splits_again() -> None:
    log, cat = _with(_log(), lambda c: merge(c, "t-vpn", "t-vpn2", by="U1"))
    assert cat.theme_of["v3"] == "t-vpn" and not cat.themes["t-vpn2"].active
    assert cat.resolve("t-vpn2") == "t-vpn"
    log, cat = _with(log, lambda c: undo(c, log[-1].seq, by="U1"))
    assert cat.theme_of["v3"] == "t-vpn2" and cat.themes["t-vpn2"].active


def test_curation_move_pins_an_insight_and_undo_puts_it_back() -> None:
    log, cat = _with(_log(), lambda c: move(c, "n2", "t-vpn", by="U1"))
    assert cat.theme_of["n2"] == "t-vpn" and "n2" in cat.themes["t-vpn"].pinned
    assert cat.themes["t-vpn"].members["n2"] == "1"  # keeps its week
    log, cat = _with(log, lambda c: undo(c, log[-1].seq, by="U1"))
    assert cat.theme_of["n2"] == "t-frais" and not cat.themes["t-vpn"].pinned


def test_curation_hide_and_undo() -> None:
    log, cat = _with(_log(), lambda c: hide(c, "t-frais", by="U1"))
    assert cat.themes["t-frais"].hidden
    log, cat = _with(log, lambda c: undo(c, log[-1].seq, by="U1"))
    assert not cat.themes["t-frais"].hidden


def test_curation_undo_of_an_undo_redoes() -> None:
    log, _ = _with(_log(), lambda c: hide(c, "t-frais", by="U1"))
    log, _ = _with(log, lambda c: undo(c, 4, by="U1"))
    log, cat = _with(log, lambda c: undo(c, 5, by="U2"))
    assert cat.themes["t-frais"].hidden


def test_curation_rejects_nonsense() -> None:
    cat = replay(_log())
    with pytest.raises(CurationError):
        merge(cat, "t-vpn", "t-vpn", by="U1")
    with pytest.raises(CurationError):
        rename(cat, "t-nope", "x", by="U1")
    with pytest.raises(CurationError):
        rename(cat, "t-vpn", "   ", by="U1")
    with pytest.raises(CurationError):
        undo(cat, 99, by="U1")


def test_curated_name_and_members_steer_assignment(vpn_week: list[Reading]) -> None:
    stored = {r.id: r for r in vpn_week}
    log: list[Event] = [
        Founded(seq=1, theme_id="t-vpn", label="VPN", members=("v1", "v2", "v3"), week="1"),
        Founded(seq=2, theme_id="t-frais", label="frais", members=("n1", "n2"), week="1"),
        Founded(seq=3, theme_id="t-cafe", label="café", members=("c1", "n3"), week="1"),
    ]
    taxi = [make_reading("x", "Remboursement taxi refusé, expense report again.", "en")]
    before = assign(taxi, catalogue_space(replay(log), stored), floor=-1.0)
    log.append(move(replay(log), "n3", "t-frais", by="U1"))
    log.append(rename(replay(log), "t-frais", "remboursement des frais", by="U1"))
    after = assign(taxi, catalogue_space(replay(log), stored), floor=-1.0)
    assert before != ["t-frais"] or after == ["t-frais"]
    assert after == ["t-frais"]


def test_merged_theme_receives_what_its_old_id_would_have(vpn_week: list[Reading]) -> None:
    log: list[Event] = [*_log(), merge(replay(_log()), "t-vpn", "t-vpn2", by="U1")]
    ids = catalogue_space(replay(log), {r.id: r for r in vpn_week})
    assert ids is not None and "t-vpn2" not in ids.theme_ids


def test_merged_and_renamed_theme_shows_once_next_week_with_its_trend(vpn_week: list[Reading]) -> None:
    from insights.themes.assign import ingest
    from insights.themes.grouping import GroupingParams
    from insights.themes.trends import trend, weekly_series

    stored = {r.id: r for r in vpn_week}
    log: list[Event] = [
        Founded(seq=1, theme_id="t-vpn", label="VPN, maison", members=("v1", "v2"), week="W1"),
        Founded(seq=2, theme_id="t-vpn2", label="coupure du VPN", members=("v3",), week="W1"),
    ]
    log.append(merge(replay(log), "t-vpn", "t-vpn2", by="manager"))
    log.append(rename(replay(log), "t-vpn", "Pannes VPN", by="manager"))
    week2 = [
        make_reading(f"w2-{i}", text, lang)
        for i, (text, lang) in enumerate(
            [
                ("Le VPN est down à la maison.", "fr"),
                ("VPN down again at home.", "en"),
                ("Coupure VPN maison, encore.", "fr"),
                ("VPN down from home, impossible to work.", "en"),
                ("VPN maison down pendant la démo.", "fr"),
                ("VPN down, home again.", "en"),
            ]
        )
    ]
    stored |= {r.id: r for r in week2}
    log += ingest(replay(log), week2, stored, "W2", params=GroupingParams(0.5, 1, 0.2))
    cat = replay(log)
    shown = [t for t in cat.active_themes() if "W2" in t.weekly_counts()]
    assert [t.shown_label for t in shown] == ["Pannes VPN"]
    assert trend(weekly_series(shown[0].weekly_counts(), ["W1", "W2"])) == "growing"  # 3 -> 6
