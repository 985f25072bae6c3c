"""Trend of a catalogue theme from its own weekly counts: the same theme, week after week.

The project's rules are kept: ``new`` (no insight in any earlier week), ``recurring`` (earlier weeks
had some, the previous week none: back after a gap), else ``growing`` / ``fading`` when the size
changed by ×:data:`GROWTH_RATIO` and by at least :data:`MIN_CHANGE` insights (1 → 2 is not growing),
``stable`` otherwise. Counts come from the catalogue (``ThemeState.weekly_counts``), so a theme
reported last week is never « nouveau » again, whatever its insights say this week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

Trend = Literal["new", "growing", "stable", "fading", "recurring"]
TRENDS: Final[tuple[Trend, ...]] = ("new", "growing", "stable", "fading", "recurring")
GROWTH_RATIO: Final = 1.5
MIN_CHANGE: Final = 2


@dataclass(frozen=True)
class ThemeTrend:
    """A theme's trend this week, last week's size and its weekly counts (oldest first, this week last)."""

    key: str
    trend: Trend
    previous_size: int
    series: tuple[int, ...] = ()


def size_trend(size: int, previous: int) -> Trend:
    """Growing, fading or stable for a theme seen last week."""
    if size >= previous * GROWTH_RATIO and size - previous >= MIN_CHANGE:
        return "growing"
    if size * GROWTH_RATIO <= previous and previous - size >= MIN_CHANGE:
        return "fading"
    return "stable"


def trend(counts: Sequence[int]) -> Trend:
    """Trend from weekly counts, oldest first, this week last (``[3, 0, 2]`` is recurring)."""
    if not counts:
        return "new"
    *earlier, now = counts
    if not any(earlier):
        return "new"
    if earlier[-1] == 0:
        return "recurring"
    return size_trend(now, earlier[-1])


def weekly_series(counts: dict[str, int], weeks: Sequence[str]) -> list[int]:
    """A theme's counts over ``weeks`` (ordered), 0 where it had none."""
    return [counts.get(week, 0) for week in weeks]


def theme_trend(key: str, counts: dict[str, int], weeks: Sequence[str], size: int | None = None) -> ThemeTrend:
    """The trend of one theme over ``weeks`` (the last is this week; ``size`` overrides its count)."""
    series = weekly_series(counts, weeks)
    if size is not None and series:
        series[-1] = size
    return ThemeTrend(key, trend(series), series[-2] if len(series) >= 2 else 0, tuple(series))
