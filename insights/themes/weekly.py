"""One week of a catalogue as the digest shows it: the themes that got insights, their trends, and « autres ».

The catalogue (:mod:`insights.themes.catalogue`) says which theme holds each insight; this module only
counts. A theme is shown with the week's members it holds, its label (a manager's rename wins), its
distinct reporters and its trend from the same theme's weekly counts. Hidden themes are not shown, nor
are their insights. A theme with a single insight this week and the insights no theme holds are shown
together under « autres » (:data:`OTHERS_KEY`). Quotes are chosen by closeness to the theme's centre.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from insights.themes.catalogue import Catalogue
from insights.themes.trends import ThemeTrend, theme_trend
from insights.themes.types import Reading, unit_rows

OTHERS_KEY: Final = "autres"
OTHERS_LABELS: Final = {"fr": "autres", "en": "others"}
MIN_SHOWN: Final = 2


@dataclass(frozen=True)
class ThemeCluster:
    """A theme of one week: its catalogue id (``key``), label, this week's members and sizes."""

    key: str
    label: str
    keywords: tuple[str, ...]
    member_ids: tuple[str, ...]
    size: int
    reporters: int
    centroid: tuple[float, ...] = ()
    curated: bool = False


@dataclass(frozen=True)
class WeekThemes:
    """The week's shown themes (biggest first, « autres » last), their trends and each insight's closeness
    to its theme's centre (the quotes' order)."""

    themes: list[ThemeCluster]
    trends: dict[str, ThemeTrend]
    centrality: dict[int, float]


def _centrality(ids: Sequence[str], readings: Mapping[str, Reading]) -> dict[int, float]:
    rows = [readings[i].vector for i in ids if i in readings]
    if not rows:
        return {}
    vectors = unit_rows(np.stack(rows))
    centre = unit_rows(vectors.mean(axis=0, keepdims=True))[0]
    known = [i for i in ids if i in readings]
    return {int(i): float(s) for i, s in zip(known, vectors @ centre, strict=True) if i.isdigit()}


def week_themes(
    cat: Catalogue,
    week_ids: Sequence[str],
    readings: Mapping[str, Reading],
    weeks: Sequence[str],
    reporters: Mapping[str, str | None],
    lang: str = "fr",
) -> WeekThemes:
    """The themes of the week's insights ``week_ids``; ``weeks`` are the history's week keys, this week last."""
    by_theme: dict[str, list[str]] = {}
    others: list[str] = []
    for insight in week_ids:
        theme_id = cat.theme_of.get(insight)
        theme = cat.themes.get(cat.resolve(theme_id)) if theme_id else None
        if theme is None:
            others.append(insight)
        elif not theme.hidden:
            by_theme.setdefault(theme.id, []).append(insight)
    themes: list[ThemeCluster] = []
    trends: dict[str, ThemeTrend] = {}
    centrality: dict[int, float] = {}
    for theme_id, members in by_theme.items():
        if len(members) < MIN_SHOWN:
            others.extend(members)
            continue
        state = cat.themes[theme_id]
        who = {reporters.get(m) for m in members} - {None}
        themes.append(
            ThemeCluster(theme_id, state.shown_label, (), tuple(members), len(members), len(who), curated=state.curated)
        )
        trends[theme_id] = theme_trend(theme_id, state.weekly_counts(), weeks, size=len(members))
        centrality.update(_centrality(members, readings))
    themes.sort(key=lambda t: (-t.size, t.key))
    if others:
        who = {reporters.get(m) for m in others} - {None}
        themes.append(
            ThemeCluster(OTHERS_KEY, OTHERS_LABELS.get(lang, "autres"), (), tuple(others), len(others), len(who))
        )
    return WeekThemes(themes, trends, centrality)
