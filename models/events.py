"""The event inbox (``slack_event``): what Slack sent, stored before its 2xx, claimed and run by one worker at a
time. Every function takes the caller's session and never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from models.db import dialect_insert
from models.schema import SlackEvent, utcnow

# After this many failed runs an event is given up (``done_at`` set, ``last_error`` kept).
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class ClaimedEvent:
    id: int
    team_id: str
    event_id: str
    type: str
    event: dict[str, Any]
    context: dict[str, Any]
    attempts: int


def record(
    session: Session, team_id: str, event_id: str, type_: str, event: dict[str, Any], context: dict[str, Any]
) -> bool:
    """Store an event once per (workspace, ``event_id``); True if this call stored it (a redelivery does not)."""
    statement = (
        dialect_insert(session, SlackEvent.__table__)
        .values(
            team_id=team_id,
            event_id=event_id,
            type=type_,
            event=event,
            context=context,
            received_at=utcnow(),
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
        .returning(SlackEvent.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def _claimable(stale_before: datetime) -> Any:
    return SlackEvent.done_at.is_(None) & or_(SlackEvent.claimed_at.is_(None), SlackEvent.claimed_at < stale_before)


def claim(session: Session, limit: int, stale_after: timedelta, now: datetime | None = None) -> list[ClaimedEvent]:
    """Claim up to ``limit`` unfinished events, oldest first: never claimed, or claimed longer than ``stale_after``
    ago (their process died, or gave up on them for now). Each row is taken by a conditional UPDATE that checks the
    claim again, so two processes claiming at once never both take one event."""
    now = now or utcnow()
    stale_before = now - stale_after
    candidates = list(
        session.scalars(select(SlackEvent.id).where(_claimable(stale_before)).order_by(SlackEvent.id).limit(limit))
    )
    claimed: list[int] = []
    for event_id in candidates:
        result = session.execute(
            update(SlackEvent)
            .where(SlackEvent.id == event_id, _claimable(stale_before))
            .values(claimed_at=now, attempts=SlackEvent.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0):
            claimed.append(event_id)
    if not claimed:
        return []
    rows = session.scalars(select(SlackEvent).where(SlackEvent.id.in_(claimed)).order_by(SlackEvent.id))
    return [
        ClaimedEvent(r.id, r.team_id, r.event_id, r.type, dict(r.event), dict(r.context or {}), r.attempts)
        for r in rows
    ]


def finish(session: Session, event_id: int, now: datetime | None = None) -> None:
    """The event's flow ran: it is never claimed again."""
    session.execute(
        update(SlackEvent)
        .where(SlackEvent.id == event_id)
        .values(done_at=now or utcnow(), last_error=None)
        .execution_options(synchronize_session=False)
    )


def fail(session: Session, event_id: int, error: str, now: datetime | None = None) -> bool:
    """The event's flow raised: keep the error; the claim stays, so it is tried again once stale, until
    :data:`MAX_ATTEMPTS` runs, then it is given up (True)."""
    attempts = session.scalar(select(SlackEvent.attempts).where(SlackEvent.id == event_id)) or 0
    given_up = attempts >= MAX_ATTEMPTS
    values: dict[str, Any] = {"last_error": error[:255]}
    if given_up:
        values["done_at"] = now or utcnow()
    statement = update(SlackEvent).where(SlackEvent.id == event_id).values(**values)
    session.execute(statement.execution_options(synchronize_session=False))
    return given_up


def release(session: Session, event_ids: list[int]) -> None:
    """Claimed events this process will not run after all (it is stopping): free for the next claim at once."""
    if event_ids:
        session.execute(
            update(SlackEvent)
            .where(SlackEvent.id.in_(event_ids), SlackEvent.done_at.is_(None))
            .values(claimed_at=None, attempts=SlackEvent.attempts - 1)
            .execution_options(synchronize_session=False)
        )


def unfinished(session: Session) -> int:
    """Events stored and not run yet (claimed or not)."""
    return int(session.scalar(select(func.count()).select_from(SlackEvent).where(SlackEvent.done_at.is_(None))) or 0)


def unclaimed(session: Session) -> int:
    """Events stored and never claimed (or released): what a worker would take now."""
    pending = SlackEvent.done_at.is_(None) & SlackEvent.claimed_at.is_(None)
    return int(session.scalar(select(func.count()).select_from(SlackEvent).where(pending)) or 0)


def prune(session: Session, before: datetime) -> int:
    """Forget events finished before ``before`` (their redeliveries are long over); how many."""
    result = session.execute(delete(SlackEvent).where(SlackEvent.done_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
