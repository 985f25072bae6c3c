"""Read models: what the bot shows of an insight, as plain data (no ORM object leaves ``models``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models.insights import reporter_insights
from models.schema import Insight, Workspace
from models.search import search_insights


@dataclass(frozen=True)
class InsightCard:
    """One insight as a view, a confirmation or an alert shows it."""

    id: int
    text: str
    status: str
    anonymous: bool
    kind: str | None = None
    kind_confidence: float | None = None
    kind_set_by: str | None = None
    language: str | None = None
    signal: str | None = None
    subject: str | None = None
    keywords: tuple[str, ...] = ()
    tagged: bool = False
    permalink: str | None = None
    created_at: datetime | None = None
    # An open insight of the workspace that looks the same (offered as "+1 to #42 instead"), if any.
    duplicate_of: int | None = None
    duplicate_text: str | None = None
    assignee_id: str | None = None  # who a manager assigned it to, told to the reporter
    # Reported by a person of another organisation (Slack Connect): they are shown no internal details, and
    # managers see it flagged.
    external: bool = False


def card_of(insight: Insight) -> InsightCard:
    """The card of a stored insight."""
    return InsightCard(
        id=insight.id,
        text=insight.text,
        status=insight.status,
        anonymous=insight.anonymous,
        kind=insight.kind,
        kind_confidence=insight.kind_confidence,
        kind_set_by=insight.kind_set_by,
        language=insight.language,
        signal=insight.signal,
        subject=insight.subject,
        keywords=tuple(str(k) for k in insight.keywords or ()),
        tagged=insight.tagged_at is not None,
        permalink=insight.permalink,
        created_at=insight.created_at,
        assignee_id=insight.assignee_id,
        external=bool(insight.external),
    )


def _in_team(team_id: str, insight_id: int) -> Select[Insight]:
    return select(Insight).join(Workspace).where(Workspace.team_id == team_id, Insight.id == insight_id)


def insight_card(session: Session, team_id: str, insight_id: int | None) -> InsightCard | None:
    """The card of an insight of this workspace; None for none (or another workspace's id)."""
    if insight_id is None:
        return None
    insight = session.scalars(_in_team(team_id, insight_id)).one_or_none()
    return card_of(insight) if insight is not None else None


def card_by_id(session: Session, insight_id: int) -> InsightCard | None:
    """The card of an insight found by its id alone (background work: alerts, tagging)."""
    insight = session.get(Insight, insight_id)
    return card_of(insight) if insight is not None else None


def reporter_cards(session: Session, team_id: str, reporter_hash: str, limit: int = 10) -> list[InsightCard]:
    """A person's latest insights, anonymous ones included (``/insight mine``, App Home)."""
    return [card_of(row) for row in reporter_insights(session, team_id, reporter_hash, limit)]


def search_cards(session: Session, team_id: str, query: str, limit: int = 10) -> list[InsightCard]:
    """``/insight search``: this workspace's insights holding every word, newest first."""
    return [card_of(row) for row in search_insights(session, team_id, query, limit)]


def cards_with_reporters(session: Session, insight_ids: Sequence[int]) -> list[tuple[InsightCard, str]]:
    """Cards in id order, each with its reporter's pseudonymous key (to count distinct people)."""
    statement = select(Insight).where(Insight.id.in_(list(insight_ids))).order_by(Insight.id)
    return [(card_of(row), row.reporter_hash) for row in session.scalars(statement)]
