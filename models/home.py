"""What App Home shows, read in one go: a person's insights, and for managers the open escalations, the
latest week's themes and the running "you said, we did" total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session

from insights.themes.trends import trend
from models.digests import OPEN_STATUSES
from models.read import InsightCard, card_of, reporter_cards
from models.schema import CatalogueTheme, Insight
from models.weeks import value_before, vote_counts
from models.workspaces import ensure_workspace

TREND_WEEKS: Final = 8


@dataclass(frozen=True)
class HomeTheme:
    """One catalogue theme of this week (its ``key`` names it to the curation controls); ``trend`` is new,
    growing, stable, fading or recurring."""

    label: str
    size: int
    reporters: int
    trend: str
    key: str = ""


@dataclass(frozen=True)
class HomeEscalation:
    card: InsightCard
    votes: int
    age_days: int


@dataclass(frozen=True)
class ManagerOverview:
    """The first ``shown`` escalations and themes of a workspace, with how many there are in all."""

    escalations: list[HomeEscalation]
    escalations_total: int
    themes: list[HomeTheme]
    themes_total: int
    value_eur_total: float


def reporter_home(session: Session, team_id: str, reporter_hash: str, shown: int) -> tuple[list[InsightCard], int]:
    """A person's latest ``shown`` insights and how many they reported in all."""
    workspace = ensure_workspace(session, team_id)
    total = session.scalar(
        select(func.count())
        .select_from(Insight)
        .where(Insight.workspace_id == workspace.id, Insight.reporter_hash == reporter_hash)
    )
    return reporter_cards(session, team_id, reporter_hash, limit=shown), int(total or 0)


def manager_overview(
    session: Session, team_id: str, now: datetime, escalations_shown: int, themes_shown: int
) -> ManagerOverview:
    """The open escalations (oldest first) and this week's catalogue themes (biggest first)."""
    workspace_id = ensure_workspace(session, team_id).id
    open_escalated = (
        Insight.workspace_id == workspace_id,
        Insight.escalated_at.is_not(None),
        Insight.status.in_(OPEN_STATUSES),
    )
    rows = list(
        session.scalars(
            select(Insight).where(*open_escalated).order_by(Insight.escalated_at, Insight.id).limit(escalations_shown)
        )
    )
    total = int(session.scalar(select(func.count()).select_from(Insight).where(*open_escalated)) or 0)
    votes = vote_counts(session, [row.id for row in rows])
    escalations = [
        HomeEscalation(card_of(row), votes.get(row.id, 0), max((now - row.escalated_at).days, 0))
        for row in rows
        if row.escalated_at is not None
    ]
    themes, themes_total = week_themes(session, workspace_id, now, themes_shown)
    return ManagerOverview(escalations, total, themes, themes_total, value_before(session, workspace_id, now))


def week_themes(session: Session, workspace_id: int, now: datetime, shown: int) -> tuple[list[HomeTheme], int]:
    """The catalogue themes that got insights in the 7 days up to ``now`` (hidden ones out), biggest first, the
    first ``shown`` with their trend over the same theme's 7-day counts; and how many there are. An insight is
    seen here as soon as it joins a theme, the day it is tagged."""
    since = now - timedelta(days=7)
    size = func.count(Insight.id)
    rows = session.execute(
        select(
            Insight.theme_key,
            size,
            func.count(distinct(Insight.reporter_hash)),
            func.coalesce(CatalogueTheme.curated_label, CatalogueTheme.label),
        )
        .join(
            CatalogueTheme,
            and_(CatalogueTheme.workspace_id == Insight.workspace_id, CatalogueTheme.key == Insight.theme_key),
        )
        .where(
            Insight.workspace_id == workspace_id,
            Insight.created_at >= since,
            Insight.created_at < now,
            CatalogueTheme.hidden.is_(False),
            CatalogueTheme.merged_into.is_(None),
        )
        .group_by(Insight.theme_key, CatalogueTheme.curated_label, CatalogueTheme.label)
        .order_by(size.desc(), Insight.theme_key)
    ).all()
    top = rows[:shown]
    series = _weekly_counts(session, workspace_id, [str(r[0]) for r in top], now)
    themes = [
        HomeTheme(label or str(key), int(count), int(people), trend([*series[str(key)], int(count)]), str(key))
        for key, count, people, label in top
    ]
    return themes, len(rows)


def _weekly_counts(session: Session, workspace_id: int, keys: list[str], now: datetime) -> dict[str, list[int]]:
    """Each theme's insights in the 7-day windows before this one, oldest first."""
    counts = {key: [0] * (TREND_WEEKS - 1) for key in keys}
    if not keys:
        return counts
    for back in range(1, TREND_WEEKS):
        window = session.execute(
            select(Insight.theme_key, func.count())
            .where(
                Insight.workspace_id == workspace_id,
                Insight.theme_key.in_(keys),
                Insight.created_at >= now - timedelta(days=7 * (back + 1)),
                Insight.created_at < now - timedelta(days=7 * back),
            )
            .group_by(Insight.theme_key)
        )
        for key, count in window:
            counts[str(key)][TREND_WEEKS - 1 - back] = int(count)
    return counts
