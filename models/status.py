"""Closing the loop: status changes (logged), assignment, resolution, relayed replies.

Repository functions take a session and never commit (the caller owns the unit of work).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.db import dialect_insert
from models.read import InsightCard, card_of
from models.schema import Insight, Reply, StatusChange, Workspace, utcnow


def add_reply(
    session: Session, insight_id: int, direction: str, text: str, *, by: str | None, to: str | None, view_id: str
) -> int | None:
    """Store a relayed message once per Slack form; its id, or None when that form was stored already."""
    values = {
        "insight_id": insight_id,
        "direction": direction,
        "by": by,
        "to": to,
        "text": text,
        "at": utcnow(),
        "view_id": view_id or None,
    }
    statement = dialect_insert(session, Reply).values(**values).on_conflict_do_nothing(index_elements=["view_id"])
    return session.execute(statement.returning(Reply.id)).scalar_one_or_none()


def record_status(session: Session, insight: Insight, to_status: str, by: str | None, note: str | None = None) -> bool:
    """Change an insight's status and log who did it, when and why; False when it was already changed.

    The UPDATE is conditional on the status read, so two managers clicking at once (or one clicking twice)
    log one change, not two.
    """
    from_status = insight.status
    if from_status == to_status:
        return False
    result = session.execute(
        update(Insight).where(Insight.id == insight.id, Insight.status == from_status).values(status=to_status)
    )
    if not getattr(result, "rowcount", 0):
        session.refresh(insight)
        return False
    session.add(StatusChange(insight_id=insight.id, from_status=from_status, to_status=to_status, by=by, note=note))
    session.flush()
    session.refresh(insight)
    return True


def assign_insight(session: Session, insight: Insight, assignee: str, by: str) -> bool:
    """Assign the insight to someone (logged like any status change); False when they already have it."""
    if insight.status == "assigned" and insight.assignee_id == assignee:
        return False
    if insight.status == "assigned":  # handed over to someone else: same status, a new line in the log
        insight.assignee_id = assignee
        session.add(StatusChange(insight_id=insight.id, from_status="assigned", to_status="assigned", by=by))
        session.flush()
        return True
    if not record_status(session, insight, "assigned", by=by):
        return False
    insight.assignee_id = assignee
    return True


def resolve_insight(
    session: Session, insight: Insight, by: str, note: str | None = None, value_eur: float | None = None
) -> bool:
    """Resolve with an optional note and € value (saved or won); False when it was already resolved."""
    if not record_status(session, insight, "resolved", by=by, note=note):
        return False
    insight.resolved_at = utcnow()
    insight.value_eur = value_eur
    return True


@dataclass(frozen=True)
class ManagerMessage:
    """A manager's message relayed to a reporter, with the insight it is about."""

    reply_id: int
    manager: str | None
    card: InsightCard
    reporter_hash: str


def message_to_reporter(session: Session, team_id: str, reply_id: int) -> ManagerMessage | None:
    """The manager's message ``reply_id`` of this workspace and its insight; None when there is none."""
    row = session.execute(
        select(Reply, Insight)
        .join(Insight, Reply.insight_id == Insight.id)
        .join(Workspace, Insight.workspace_id == Workspace.id)
        .where(Reply.id == reply_id, Workspace.team_id == team_id, Reply.direction == "to_reporter")
    ).one_or_none()
    if row is None:
        return None
    reply, insight = row
    return ManagerMessage(reply.id, reply.by, card_of(insight), insight.reporter_hash)
