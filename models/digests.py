"""What the weekly digest reads from the database, and the claim that makes each digest exactly once.

A digest is claimed by inserting its ``digest_run`` row, unique on (workspace, period start), with
``INSERT … ON CONFLICT DO NOTHING``: of all the processes whose scheduler ticks at the same moment, one
inserts the row and posts; the others see it and do nothing. A run that failed (Slack refused the post)
or whose process died before recording the post is claimed again, with a conditional UPDATE on its
attempt count, once :data:`RETRY_AFTER` has passed, at most :data:`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from insights.digest.build import DigestInsight
from insights.themes.trends import PastTheme, ThemeTrend
from insights.themes.weekly import ThemeCluster
from models.db import dialect_insert
from models.schema import DigestRun, Insight, Theme, Vote

RETRY_AFTER: Final = timedelta(minutes=15)
MAX_ATTEMPTS: Final = 5
OPEN_STATUSES: Final = ("open", "acknowledged", "assigned")


def claim_digest(session: Session, workspace_id: int, period_start: date, now: datetime) -> DigestRun | None:
    """Claim the digest of a period for this process; None when another process has it or it was posted."""
    inserted = session.execute(
        dialect_insert(session, DigestRun)
        .values(workspace_id=workspace_id, period_start=period_start, status="claimed", claimed_at=now, attempts=1)
        .on_conflict_do_nothing(index_elements=["workspace_id", "period_start"])
        .returning(DigestRun.id)
    ).scalar_one_or_none()
    if inserted is not None:
        return session.get(DigestRun, inserted)
    run = session.scalars(
        select(DigestRun).where(DigestRun.workspace_id == workspace_id, DigestRun.period_start == period_start)
    ).one()
    if run.status == "posted" or run.attempts >= MAX_ATTEMPTS or run.claimed_at > now - RETRY_AFTER:
        return None
    taken = session.execute(
        update(DigestRun)
        .where(DigestRun.id == run.id, DigestRun.attempts == run.attempts, DigestRun.status != "posted")
        .values(status="claimed", claimed_at=now, attempts=run.attempts + 1)
    )
    if not getattr(taken, "rowcount", 0):
        return None
    session.refresh(run)
    return run


def finish_digest(
    session: Session, run_id: int, now: datetime, *, message_ts: str | None = None, error: str | None = None
) -> None:
    """Record the outcome of a claimed run: posted (with its message ts) or failed (with Slack's error)."""
    values: dict[str, Any] = (
        {"status": "posted", "message_ts": message_ts, "posted_at": now, "error": None}
        if error is None
        else {"status": "failed", "error": error[:255]}
    )
    session.execute(update(DigestRun).where(DigestRun.id == run_id).values(**values))


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


def past_themes(session: Session, workspace_id: int, since: date, before: date) -> list[PastTheme]:
    """The themes stored for the weeks in ``[since, before)``; their key is the theme row's id."""
    statement = (
        select(Theme)
        .where(Theme.workspace_id == workspace_id, Theme.week >= since, Theme.week < before)
        .order_by(Theme.week, Theme.id)
    )
    return [
        PastTheme(
            week=week_key(theme.week),
            key=str(theme.id),
            label=theme.label,
            centroid=tuple(float(x) for x in theme.centroid),
            size=theme.size,
        )
        for theme in session.scalars(statement)
    ]


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
    """Replace the week's stored themes and point each insight at its theme; the theme ids by cluster key."""
    session.execute(delete(Theme).where(Theme.workspace_id == workspace_id, Theme.week == week))
    stored: dict[str, int] = {}
    members: list[dict[str, int]] = []
    for theme in themes:
        trend = trends.get(theme.key)
        previous = int(trend.matches[0].key) if trend and trend.matches else None
        row = Theme(
            workspace_id=workspace_id,
            week=week,
            label=theme.label[:255],
            keywords=list(theme.keywords),
            centroid=[round(x, 6) for x in theme.centroid],
            size=theme.size,
            reporters=theme.reporters,
            trend=trend.trend if trend else "new",
            previous_id=previous,
        )
        session.add(row)
        session.flush()
        stored[theme.key] = row.id
        members.extend({"id": int(member), "theme_id": row.id} for member in theme.member_ids)
    if members:
        session.execute(update(Insight), members)
    return stored
