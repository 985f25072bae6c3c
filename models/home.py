"""What App Home shows, read in one go: a person's insights, and for managers the open escalations, the
latest week's themes and the running "you said, we did" total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.digests import OPEN_STATUSES
from models.read import InsightCard, card_of, reporter_cards
from models.schema import Insight, Theme
from models.weeks import value_before, vote_counts
from models.workspaces import ensure_workspace


@dataclass(frozen=True)
class HomeTheme:
    """One theme of this week; ``trend`` is new, growing, stable, fading or recurring."""

    label: str
    size: int
    reporters: int
    trend: str


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
    """The open escalations (oldest first) and the latest stored week's themes (biggest first)."""
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
    week = session.scalar(select(func.max(Theme.week)).where(Theme.workspace_id == workspace_id))
    themes: list[HomeTheme] = []
    themes_total = 0
    if week is not None:
        in_week = (Theme.workspace_id == workspace_id, Theme.week == week)
        themes = [
            HomeTheme(theme.label, theme.size, theme.reporters, theme.trend)
            for theme in session.scalars(
                select(Theme).where(*in_week).order_by(Theme.size.desc(), Theme.id).limit(themes_shown)
            )
        ]
        themes_total = int(session.scalar(select(func.count()).select_from(Theme).where(*in_week)) or 0)
    return ManagerOverview(escalations, total, themes, themes_total, value_before(session, workspace_id, now))
