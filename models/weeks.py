"""What the weekly digest reads (a period's insights, last week's counts, escalations, what was resolved,
votes, past themes) and writes (the week's themes). Functions take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from insights.digest.build import DigestInsight
from insights.themes.trends import ThemeTrend
from insights.themes.weekly import ThemeCluster
from models.digests import OPEN_STATUSES
from models.schema import Insight, Theme, Vote


@dataclass(frozen=True)
class WeekRows:
    """One workspace's insights of a period: as the digest shows them, and their lemmas for the themes."""

    insights: list[DigestInsight]
    lemmas: list[tuple[str, ...]]


_DIGEST_COLUMNS = (
    Insight.id,
    Insight.text,
    Insight.kind,
    Insight.signal,
    Insight.subject,
    Insight.status,
    Insight.reporter_hash,
    Insight.anonymous,
    Insight.permalink,
    Insight.created_at,
    Insight.escalated_at,
    Insight.resolved_at,
    Insight.value_eur,
    Insight.external,
)


def _digest_insight(row: Any) -> DigestInsight:
    return DigestInsight(
        id=row.id,
        text=row.text,
        kind=row.kind,
        signal=row.signal,
        subject=row.subject,
        status=row.status,
        reporter=row.reporter_hash,
        anonymous=row.anonymous,
        permalink=row.permalink,
        created_at=row.created_at,
        escalated_at=row.escalated_at,
        resolved_at=row.resolved_at,
        value_eur=row.value_eur,
        external=bool(row.external),
    )


def week_rows(session: Session, workspace_id: int, start: datetime, end: datetime) -> WeekRows:
    """The insights created in ``[start, end)``, oldest first, with their stored lemmas."""
    statement = (
        select(*_DIGEST_COLUMNS, Insight.lemmas)
        .where(Insight.workspace_id == workspace_id, Insight.created_at >= start, Insight.created_at < end)
        .order_by(Insight.created_at, Insight.id)
        .execution_options(yield_per=2000)
    )
    insights: list[DigestInsight] = []
    lemmas: list[tuple[str, ...]] = []
    for row in session.execute(statement):
        insights.append(_digest_insight(row))
        lemmas.append(tuple(str(lemma) for lemma in row.lemmas or ()))
    return WeekRows(insights, lemmas)


def kind_counts(session: Session, workspace_id: int, start: datetime, end: datetime) -> dict[str | None, int]:
    """Insights per kind created in ``[start, end)`` (None: not tagged yet)."""
    statement = (
        select(Insight.kind, func.count())
        .where(Insight.workspace_id == workspace_id, Insight.created_at >= start, Insight.created_at < end)
        .group_by(Insight.kind)
    )
    return {kind: int(count) for kind, count in session.execute(statement)}


def open_escalations(session: Session, workspace_id: int, limit: int = 1000) -> list[DigestInsight]:
    """Escalated insights nobody resolved or dismissed yet, oldest escalation first."""
    statement = (
        select(*_DIGEST_COLUMNS)
        .where(
            Insight.workspace_id == workspace_id,
            Insight.escalated_at.is_not(None),
            Insight.status.in_(OPEN_STATUSES),
        )
        .order_by(Insight.escalated_at, Insight.id)
        .limit(limit)
    )
    return [_digest_insight(row) for row in session.execute(statement)]


def resolved_between(session: Session, workspace_id: int, start: datetime, end: datetime) -> list[DigestInsight]:
    """Insights resolved in ``[start, end)``: "you said, we did"."""
    statement = (
        select(*_DIGEST_COLUMNS)
        .where(
            Insight.workspace_id == workspace_id,
            Insight.status == "resolved",
            Insight.resolved_at >= start,
            Insight.resolved_at < end,
        )
        .order_by(Insight.resolved_at, Insight.id)
    )
    return [_digest_insight(row) for row in session.execute(statement)]


def value_before(session: Session, workspace_id: int, moment: datetime) -> float:
    """The € that resolved insights were worth before ``moment``: the running total's start."""
    statement = select(func.coalesce(func.sum(Insight.value_eur), 0.0)).where(
        Insight.workspace_id == workspace_id, Insight.status == "resolved", Insight.resolved_at < moment
    )
    return float(session.scalar(statement) or 0.0)


def vote_counts(session: Session, insight_ids: Sequence[int]) -> dict[int, int]:
    """Distinct people who escalated or said "me too", per insight."""
    counts: dict[int, int] = {}
    for chunk_start in range(0, len(insight_ids), 1000):
        chunk = list(insight_ids[chunk_start : chunk_start + 1000])
        statement = (
            select(Vote.insight_id, func.count(func.distinct(Vote.voter_id)))
            .where(Vote.insight_id.in_(chunk))
            .group_by(Vote.insight_id)
        )
        counts.update({int(i): int(n) for i, n in session.execute(statement)})
    return counts


def week_key(day: date) -> str:
    """The ISO week a period starts in (``2026-W47``): how trends name weeks."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def store_themes(
    session: Session,
    workspace_id: int,
    week: date,
    themes: Iterable[ThemeCluster],
    trends: dict[str, ThemeTrend],
) -> dict[str, int]:
    """Replace the week's record of its shown themes (label, size, trend as the digest said) and point each
    insight at it; the row ids by catalogue key. The catalogue itself lives in :mod:`models.themes`."""
    session.execute(delete(Theme).where(Theme.workspace_id == workspace_id, Theme.week == week))
    stored: dict[str, int] = {}
    members: list[dict[str, int]] = []
    for theme in themes:
        trend = trends.get(theme.key)
        row = Theme(
            workspace_id=workspace_id,
            week=week,
            label=theme.label[:255],
            keywords=list(theme.keywords),
            centroid=[],
            size=theme.size,
            reporters=theme.reporters,
            trend=trend.trend if trend else "new",
        )
        session.add(row)
        session.flush()
        stored[theme.key] = row.id
        members.extend({"id": int(member), "theme_id": row.id} for member in theme.member_ids)
    if members:
        session.execute(update(Insight), members)
    return stored


@dataclass(frozen=True)
class WeekReading:
    """Everything one digest is built from, read in one unit of work."""

    rows: WeekRows
    last_week: dict[str | None, int]
    escalations: list[DigestInsight]
    resolved: list[DigestInsight]
    votes: dict[int, int]
    value_before_eur: float


def read_week(session: Session, workspace_id: int, start: datetime, end: datetime) -> WeekReading:
    """The period ``[start, end)`` of a workspace (its themes come from :mod:`models.themes`)."""
    rows = week_rows(session, workspace_id, start, end)
    escalations = open_escalations(session, workspace_id)
    return WeekReading(
        rows=rows,
        last_week=kind_counts(session, workspace_id, start - timedelta(days=7), start),
        escalations=escalations,
        resolved=resolved_between(session, workspace_id, start, end),
        votes=vote_counts(session, [i.id for i in rows.insights] + [i.id for i in escalations]),
        value_before_eur=value_before(session, workspace_id, start),
    )
