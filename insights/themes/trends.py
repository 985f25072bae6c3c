"""Trend of each theme of a week against the themes of earlier weeks, matched by centroid cosine.

A current theme *matches* a past theme when their theme-space centroids (see :mod:`insights.themes.vectors`)
have a cosine of at least :data:`MATCH_SIMILARITY`. Its size last week is the total size of the
previous week's themes it matches nearly as well as the best one (:data:`SPLIT_SHARE`), so a subject
split in two last week counts whole but a loosely related theme adds nothing. Then:

- ``new``: it matches no earlier theme;
- ``recurring``: it matches a theme of an earlier week but none of the previous week (back after a gap);
- ``growing``: it matched last week and grew by :data:`GROWTH_RATIO` or more, and by at least
  :data:`MIN_CHANGE` insights (so 1 → 2 is not "growing");
- ``fading``: it matched last week and shrank by the same factor and the same minimum;
- ``stable``: anything else that matched last week.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

import numpy as np

from insights.themes.weekly import ThemeCluster

Trend = Literal["new", "growing", "stable", "fading", "recurring"]
TRENDS: Final[tuple[Trend, ...]] = ("new", "growing", "stable", "fading", "recurring")
Week = int | str

# Centroids are unit vectors in a 512-d random projection of the themes' terms (noise about ±0.045).
# On the dev set, the same gold theme in two weeks scores 0.27 (median; 0.17 at the 10th percentile),
# two different themes 0.05 (median; 0.12 at the 90th percentile). 0.15, 0.2 and 0.25 were measured
# for trend accuracy on the dev set (bench.quality_themes): 0.15 is best, mostly by matching the small
# themes, whose centroids are noisier.
MATCH_SIMILARITY: Final = 0.15
GROWTH_RATIO: Final = 1.5
MIN_CHANGE: Final = 2
# Last week's themes count towards the previous size when they match at least this share of the best.
SPLIT_SHARE: Final = 0.8
ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class PastTheme:
    """A theme of an earlier week as the database keeps it: enough to match and compare sizes."""

    week: Week
    key: str
    label: str
    centroid: tuple[float, ...]
    size: int


@dataclass(frozen=True)
class ThemeTrend:
    """The trend of one current theme, with the past themes it matched (best first)."""

    key: str
    trend: Trend
    previous_size: int
    matches: tuple[PastTheme, ...]


def previous_week(week: Week) -> Week:
    """The week before: ``n - 1`` for a number, the previous ISO week for ``"2026-W01"`` → ``"2025-W52"``."""
    if isinstance(week, int):
        return week - 1
    found = ISO_WEEK.match(week)
    if found is None:
        raise ValueError(f"not an ISO week: {week!r}")
    monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1) - timedelta(days=7)
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}"


def size_trend(size: int, previous_size: int) -> Trend:
    """Growing, fading or stable for a theme seen last week, from its two sizes."""
    if size >= previous_size * GROWTH_RATIO and size - previous_size >= MIN_CHANGE:
        return "growing"
    if size * GROWTH_RATIO <= previous_size and previous_size - size >= MIN_CHANGE:
        return "fading"
    return "stable"


def _unit(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float64).reshape(len(vectors), -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def _trend(key: str, similarity: np.ndarray, size: int, history: Sequence[PastTheme], last_week: Week) -> ThemeTrend:
    order = np.argsort(-similarity, kind="stable")
    matches = tuple(history[i] for i in order.tolist() if similarity[i] >= MATCH_SIMILARITY)
    if not matches:
        return ThemeTrend(key, "new", 0, ())
    last = [i for i in order.tolist() if history[i].week == last_week and similarity[i] >= MATCH_SIMILARITY]
    if not last:
        return ThemeTrend(key, "recurring", 0, matches)
    # A subject split in two last week counts whole, but a loosely related theme does not add its size.
    close = similarity[last[0]] * SPLIT_SHARE
    previous_size = sum(history[i].size for i in last if similarity[i] >= close)
    return ThemeTrend(key, size_trend(size, previous_size), previous_size, matches)


def theme_trends(themes: Sequence[ThemeCluster], history: Sequence[PastTheme], week: Week) -> dict[str, ThemeTrend]:
    """Trend of each theme of week ``week`` (by theme key), against the themes of earlier weeks."""
    earlier = [p for p in history if p.week != week and p.centroid]
    if not earlier or not themes:
        return {t.key: ThemeTrend(t.key, "new", 0, ()) for t in themes}
    similarity = _unit([t.centroid for t in themes]) @ _unit([p.centroid for p in earlier]).T
    last_week = previous_week(week)
    return {t.key: _trend(t.key, similarity[i], t.size, earlier, last_week) for i, t in enumerate(themes)}


def as_past(themes: Sequence[ThemeCluster], week: Week) -> list[PastTheme]:
    """This week's themes as history for the weeks after."""
    return [PastTheme(week=week, key=t.key, label=t.label, centroid=t.centroid, size=t.size) for t in themes]
