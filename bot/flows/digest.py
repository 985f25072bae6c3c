"""The weekly digest of one workspace: which period is due, and building it (posting is
:mod:`bot.jobs.digest_delivery`'s).

Periods follow each workspace's schedule in its own time zone: the digest due at ``now`` covers the
7 days before the latest scheduled moment (default Monday 09:00, Europe/Paris) that is not after ``now``.
Building reads everything once (:func:`models.weeks.read_week`: the period's insights with the lemmas
stored at tagging time, no spaCy here), groups them into themes, matches the themes to the 8 weeks before
for trends and the chart, builds the digest as plain data, stores the week's themes, then renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from bot.i18n import t
from bot.views.blocks import as_dicts
from bot.views.digest import digest_blocks, digest_text, signals_blocks, signals_text
from bot.workspace_config import WorkspaceConfig
from insights.digest.build import Digest, build_digest
from insights.digest.chart import theme_chart_png
from insights.themes.trends import ThemeTrend, theme_trends
from insights.themes.weekly import ThemeCluster, cluster_lemmas
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
    """Insights per week of the biggest themes: this week's size, and the sizes of the themes they matched."""
    series: dict[str, list[int]] = {}
    for theme in sorted(themes, key=lambda t: -t.size)[:CHART_THEMES]:
        sizes = dict.fromkeys(weeks, 0)
        trend = trends.get(theme.key)
        for match in trend.matches if trend else ():
            if str(match.week) in sizes:
                sizes[str(match.week)] += match.size
        sizes[weeks[-1]] = theme.size
        label = theme.label if theme.label not in series else f"{theme.label} ({theme.key})"
        series[label] = [sizes[w] for w in weeks]
    return series


def build_weekly(
    session: Session, workspace_id: int, config: WorkspaceConfig, period: DigestPeriod, *, persist: bool
) -> WeeklyDigest:
    """Build one workspace's digest of ``period``; ``persist`` stores its themes (the scheduled run does)."""
    reading = read_week(
        session, workspace_id, period.start, period.end, period.week - timedelta(weeks=HISTORY_WEEKS), period.week
    )
    digest, themes, trends = _digest_of(reading, period)
    if persist:
        store_themes(session, workspace_id, period.week, themes, trends)
    return _rendered(digest, themes, trends, config.language, period, run=period if persist else None)


def _digest_of(reading: WeekReading, period: DigestPeriod) -> tuple[Digest, list[ThemeCluster], dict[str, ThemeTrend]]:
    """The pure part: the week's themes, their trends, and the digest as plain data."""
    insights = reading.rows.insights
    themes = cluster_lemmas([str(i.id) for i in insights], reading.rows.lemmas, [i.reporter for i in insights])
    trends = theme_trends(themes, reading.history, period.key)
    last_week = {str(kind) if kind else "pending": count for kind, count in reading.last_week.items()}
    digest = build_digest(
        insights,
        last_week,
        themes,
        trends,
        reading.escalations,
        reading.resolved,
        period.start,
        period.end,
        votes=reading.votes,
        value_before_eur=reading.value_before_eur,
    )
    return digest, themes, trends


def _rendered(
    digest: Digest,
    themes: list[ThemeCluster],
    trends: dict[str, ThemeTrend],
    lang: str,
    period: DigestPeriod,
    run: DigestPeriod | None,
) -> WeeklyDigest:
    """The digest's Block Kit, its sales post and its chart."""
    weeks = [week_key(period.week - timedelta(weeks=n)) for n in range(HISTORY_WEEKS - 1, -1, -1)]
    chart = theme_chart_png(weeks, _chart_series(themes, trends, weeks), t(lang, "digest_chart_title"))
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
