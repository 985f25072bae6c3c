"""Votes (escalations and "me too") and the escalation itself, each exactly once under retries and races."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from models.db import dialect_insert
from models.schema import Insight, Vote, utcnow

VOTE_KINDS = ("escalate", "me_too")


def add_vote(session: Session, insight_id: int, voter_id: str, kind: str) -> bool:
    """Count one person once per kind; True when this call added the vote."""
    statement = (
        dialect_insert(session, Vote)
        .values(insight_id=insight_id, voter_id=voter_id, kind=kind, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["insight_id", "voter_id", "kind"])
        .returning(Vote.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def remove_vote(session: Session, insight_id: int, voter_id: str, kind: str) -> bool:
    """Take a vote back (the reaction was removed); True when there was one."""
    result = session.execute(
        delete(Vote).where(Vote.insight_id == insight_id, Vote.voter_id == voter_id, Vote.kind == kind)
    )
    return bool(getattr(result, "rowcount", 0))


def voters(session: Session, insight_id: int, kind: str | None = None) -> set[str]:
    """The distinct people who voted on an insight (of one kind, or of any kind)."""
    statement = select(Vote.voter_id).where(Vote.insight_id == insight_id)
    if kind is not None:
        statement = statement.where(Vote.kind == kind)
    return set(session.scalars(statement))


def escalate_once(session: Session, insight_id: int) -> bool:
    """Mark the insight escalated (its alert being tried now); True only for the one call that did it."""
    now = utcnow()
    result = session.execute(
        update(Insight)
        .where(Insight.id == insight_id, Insight.escalated_at.is_(None))
        .values(escalated_at=now, alert_tried_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def alert_posted(session: Session, insight_id: int) -> None:
    """The managers' alert about the insight is out."""
    session.execute(update(Insight).where(Insight.id == insight_id).values(alerted_at=utcnow()))


def claim_unsent_alerts(
    session: Session, workspace_id: int, now: datetime, retry_after: timedelta, give_up: timedelta
) -> list[int]:
    """Escalated insights whose alert is not out, last tried over ``retry_after`` ago: claimed for one more try
    (a conditional update per insight, so two replicas never try the same one at once)."""
    candidates = session.scalars(
        select(Insight.id).where(
            Insight.workspace_id == workspace_id,
            Insight.escalated_at.is_not(None),
            Insight.escalated_at > now - give_up,
            Insight.alerted_at.is_(None),
            Insight.alert_tried_at < now - retry_after,
        )
    ).all()
    claimed = []
    for insight_id in candidates:
        result = session.execute(
            update(Insight)
            .where(Insight.id == insight_id, Insight.alerted_at.is_(None), Insight.alert_tried_at < now - retry_after)
            .values(alert_tried_at=now)
        )
        if getattr(result, "rowcount", 0):
            claimed.append(insight_id)
    return claimed
