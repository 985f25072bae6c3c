"""Trends: each theme of this week against hand-built histories of earlier weeks."""

from __future__ import annotations

import math

import pytest

from insights.themes.trends import (
    GROWTH_RATIO,
    MATCH_SIMILARITY,
    MIN_CHANGE,
    PastTheme,
    as_past,
    previous_week,
    size_trend,
    theme_trends,
)
from insights.themes.weekly import ThemeCluster

VPN = (1.0, 0.0, 0.0, 0.0)
COFFEE = (0.0, 1.0, 0.0, 0.0)
DELIVERIES = (0.0, 0.0, 1.0, 0.0)
HIRING = (0.0, 0.0, 0.0, 1.0)


def _theme(key: str, centroid: tuple[float, ...], size: int) -> ThemeCluster:
    return ThemeCluster(key, key, (key,), tuple(f"{key}{i}" for i in range(size)), size, size, centroid)


def _past(week: int | str, key: str, centroid: tuple[float, ...], size: int) -> PastTheme:
    return PastTheme(week=week, key=key, label=key, centroid=centroid, size=size)


HISTORY = [
    _past(1, "vpn", VPN, 4),
    _past(1, "coffee", COFFEE, 3),
    _past(2, "vpn", VPN, 3),
    _past(2, "coffee", COFFEE, 4),
    _past(2, "deliveries", DELIVERIES, 6),
]


def test_trends_cover_all_five_labels() -> None:
    current = [
        _theme("vpn", VPN, 8),  # 3 last week -> 8
        _theme("deliveries", DELIVERIES, 6),  # 6 -> 6
        _theme("coffee-back", (0.1, 0.99, 0.0, 0.0), 1),  # 4 -> 1
        _theme("hiring", HIRING, 5),  # never seen
    ]
    trends = theme_trends(current, HISTORY, 3)
    assert {k: t.trend for k, t in trends.items()} == {
        "vpn": "growing",
        "deliveries": "stable",
        "coffee-back": "fading",
        "hiring": "new",
    }
    assert trends["vpn"].previous_size == 3


def test_trends_back_after_a_gap_is_recurring() -> None:
    history = [_past(1, "hiring", HIRING, 5), _past(2, "vpn", VPN, 3)]
    trend = theme_trends([_theme("hiring", HIRING, 4)], history, 3)["hiring"]
    assert trend.trend == "recurring"
    assert trend.matches[0].week == 1


def test_trends_first_week_is_all_new() -> None:
    trends = theme_trends([_theme("vpn", VPN, 3), _theme("coffee", COFFEE, 2)], [], 1)
    assert {t.trend for t in trends.values()} == {"new"}


def test_trends_dissimilar_centroid_does_not_match() -> None:
    angle = math.acos(MATCH_SIMILARITY) + 0.05
    elsewhere = (math.cos(angle), math.sin(angle), 0.0, 0.0)
    assert theme_trends([_theme("x", elsewhere, 3)], [_past(1, "vpn", VPN, 3)], 2)["x"].trend == "new"


def test_trends_split_theme_last_week_counts_whole() -> None:
    history = [_past(1, "vpn-a", VPN, 2), _past(1, "vpn-b", (0.95, 0.3, 0.0, 0.0), 2)]
    trend = theme_trends([_theme("vpn", VPN, 4)], history, 2)["vpn"]
    assert trend.previous_size == 4 and trend.trend == "stable"


def test_trends_ignore_themes_of_the_same_week() -> None:
    assert theme_trends([_theme("vpn", VPN, 3)], [_past(5, "vpn", VPN, 3)], 5)["vpn"].trend == "new"


@pytest.mark.parametrize(
    ("size", "previous", "expected"),
    [(3, 2, "stable"), (2, 1, "stable"), (6, 4, "growing"), (4, 6, "fading"), (1, 2, "stable"), (10, 10, "stable")],
)
def test_trends_size_rules_need_ratio_and_absolute_change(size: int, previous: int, expected: str) -> None:
    assert GROWTH_RATIO == 1.5 and MIN_CHANGE == 2
    assert size_trend(size, previous) == expected


@pytest.mark.parametrize(
    ("week", "before"), [(3, 2), ("2026-W47", "2026-W46"), ("2026-W01", "2025-W52"), ("2021-W01", "2020-W53")]
)
def test_trends_previous_week_handles_numbers_and_iso_weeks(week: int | str, before: int | str) -> None:
    assert previous_week(week) == before


def test_trends_iso_weeks_skip_a_missing_week_as_a_gap() -> None:
    history = [_past("2026-W45", "vpn", VPN, 3)]
    assert theme_trends([_theme("vpn", VPN, 3)], history, "2026-W47")["vpn"].trend == "recurring"
    assert theme_trends([_theme("vpn", VPN, 3)], history, "2026-W46")["vpn"].trend == "stable"


def test_trends_as_past_keeps_what_matching_needs() -> None:
    [past] = as_past([_theme("vpn", VPN, 3)], "2026-W47")
    assert (past.week, past.key, past.centroid, past.size) == ("2026-W47", "vpn", VPN, 3)
