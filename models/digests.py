"""The claim that makes each weekly digest exactly once (what it reads is :mod:`models.weeks`).

A digest is claimed by inserting its ``digest_run`` row, unique on (workspace, period start), with
``INSERT … ON CONFLICT DO NOTHING``: of all the processes whose scheduler ticks at the same moment, one
inserts the row and posts; the others see it and do nothing. A run that failed (Slack refused the post)
or whose process died before recording the post is claimed again, with a conditional UPDATE on its
attempt count, once :data:`RETRY_AFTER` has passed, at most :data:`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.db import dialect_insert
from models.schema import DigestRun

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
