"""The weekly digest of one workspace: which period is due, and building it (posting is
:mod:`bot.jobs.digest_delivery`'s).

Periods follow each workspace's schedule in its own time zone: the digest due at ``now`` covers the
7 days before the latest scheduled moment (default Monday 09:00, Europe/Paris) that is not after ``now``.
Building reads everything once (:func:`models.weeks.read_week`: the period's insights with the lemmas
and readings stored at tagging time, no spaCy here), first groups the insights no theme took into new
catalogue themes, then shows the catalogue's themes of the week with their trends (the same theme's weekly
counts over 8 weeks), builds the digest as plain data, records the week's themes, then renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from bot.flows.themes import catch_up
from bot.i18n import t
from bot.views.blocks import as_dicts
from bot.views.digest import digest_blocks, digest_text, signals_blocks, signals_text
from bot.workspace_config import WorkspaceConfig
from insights.digest.build import Digest, build_digest
from insights.digest.chart import theme_chart_png
from insights.themes.trends import ThemeTrend
from insights.themes.weekly import OTHERS_KEY, ThemeCluster, WeekThemes, week_themes
from models.themes import catalogue_of, readings_of
from models.weeks import WeekReading, read_week, store_themes, week_key

HISTORY_WEEKS: Final = 8
CHART_THEMES: Final = 6


@dataclass(frozen=True)
class DigestPeriod:
    """``[start, end)`` in UTC; ``week`` is the local date the period starts on (the claim's key)."""

    start: datetime
    end: datetime
    week: date

    @property
    def key(self) -> str:
        return week_key(self.week)


def due_period(now: datetime, config: WorkspaceConfig) -> DigestPeriod:
    """The period of the latest digest due at ``now``, by the workspace's day, time and time zone."""
    tz = config.tz
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - config.digest_weekday) % 7)
    end = datetime.combine(day, config.digest_time, tzinfo=tz)
    if end > local:
        day -= timedelta(days=7)
        end = datetime.combine(day, config.digest_time, tzinfo=tz)
    start = datetime.combine(day - timedelta(days=7), config.digest_time, tzinfo=tz)
    return DigestPeriod(start.astimezone(UTC), end.astimezone(UTC), start.date())


def last_days(now: datetime, config: WorkspaceConfig, days: int = 7) -> DigestPeriod:
    """The ``days`` days up to ``now`` (``pepites digest`` builds one at any moment)."""
    start = now - timedelta(days=days)
    return DigestPeriod(start.astimezone(UTC), now.astimezone(UTC), start.astimezone(config.tz).date())


@dataclass(frozen=True)
class WeeklyDigest:
    """A built digest: the data, its Block Kit, the sales post and the chart."""

    digest: Digest
    blocks: list[dict[str, Any]]
    text: str
    signal_blocks: list[dict[str, Any]]
    signal_text: str
    chart_png: bytes
    themes: list[ThemeCluster]
    trends: dict[str, ThemeTrend]
    # The scheduled period this digest is the run of; None for one posted by hand (``pepites digest``).
    run: DigestPeriod | None = None


def _chart_series(themes: list[ThemeCluster], trends: dict[str, ThemeTrend], weeks: list[str]) -> dict[str, list[int]]:
    """Insights per week of the biggest themes: the same catalogue theme's weekly counts."""
    series: dict[str, list[int]] = {}
    for theme in sorted((c for c in themes if c.key != OTHERS_KEY), key=lambda c: -c.size)[:CHART_THEMES]:
        trend = trends.get(theme.key)
        counts = (
            list(trend.series) if trend and len(trend.series) == len(weeks) else [0] * (len(weeks) - 1) + [theme.size]
        )
        label = theme.label if theme.label not in series else f"{theme.label} ({theme.key})"
        series[label] = counts
    return series


def history_weeks(period: DigestPeriod) -> list[str]:
    """The week keys the trends and the chart read, oldest first, this period's last."""
    return [week_key(period.week - timedelta(weeks=n)) for n in range(HISTORY_WEEKS - 1, -1, -1)]


def chart_weeks(period: DigestPeriod, lang: str) -> list[str]:
    """The chart's name of each history week: the ISO week its digest is posted in (the period's last day), so
    a digest posted on Friday 2026-12-04 calls its week W49 (S49 in French), oldest first."""
    last = period.end - timedelta(microseconds=1)
    days = [(last - timedelta(weeks=n)).date() for n in range(HISTORY_WEEKS - 1, -1, -1)]
    return [t(lang, "chart_week", week=f"{d.isocalendar()[1]:02d}") for d in days]


def build_weekly(
    session: Session, workspace_id: int, config: WorkspaceConfig, period: DigestPeriod, *, persist: bool
) -> WeeklyDigest:
    """Build one workspace's digest of ``period``; ``persist`` stores its themes (the scheduled run does).

    The week's insights no theme took are grouped into new catalogue themes first (the catalogue is the
    same whichever replica does it); then the digest reads the catalogue: a manager's names, merges, moves
    and hidden themes are what it shows."""
    catch_up(session, workspace_id, period.end, found_new=True, lang=config.language)
    reading = read_week(session, workspace_id, period.start, period.end)
    shown = _week_themes(session, workspace_id, reading, period, config.language)
    digest = _digest_of(reading, period, shown)
    if persist:
        store_themes(session, workspace_id, period.week, shown.themes, shown.trends)
    return _rendered(digest, shown.themes, shown.trends, config.language, period, run=period if persist else None)


def _week_themes(
    session: Session, workspace_id: int, reading: WeekReading, period: DigestPeriod, lang: str
) -> WeekThemes:
    insights = reading.rows.insights
    ids = [str(i.id) for i in insights]
    readings = readings_of(session, workspace_id, ids=[i.id for i in insights], words=False)  # centrality: vectors
    reporters = {str(i.id): i.reporter for i in insights}
    return week_themes(catalogue_of(session, workspace_id), ids, readings, history_weeks(period), reporters, lang)


def _digest_of(reading: WeekReading, period: DigestPeriod, shown: WeekThemes) -> Digest:
    """The pure part: the digest as plain data from the week's rows and its catalogue themes."""
    last_week = {str(kind) if kind else "pending": count for kind, count in reading.last_week.items()}
    return build_digest(
        reading.rows.insights,
        last_week,
        shown.themes,
        shown.trends,
        reading.escalations,
        reading.resolved,
        period.start,
        period.end,
        votes=reading.votes,
        centrality=shown.centrality,
        value_before_eur=reading.value_before_eur,
    )


def _rendered(
    digest: Digest,
    themes: list[ThemeCluster],
    trends: dict[str, ThemeTrend],
    lang: str,
    period: DigestPeriod,
    run: DigestPeriod | None,
) -> WeeklyDigest:
    """The digest's Block Kit, its sales post and its chart."""
    weeks = history_weeks(period)
    labels = chart_weeks(period, lang)
    series = _chart_series(themes, trends, weeks)
    chart = theme_chart_png(labels, series, t(lang, "digest_chart_title"))
    return WeeklyDigest(
        digest=digest,
        blocks=as_dicts(digest_blocks(digest, lang)),
        text=digest_text(digest, lang),
        signal_blocks=as_dicts(signals_blocks(digest, lang)),
        signal_text=signals_text(digest, lang),
        chart_png=chart,
        themes=themes,
        trends=trends,
        run=run,
    )
