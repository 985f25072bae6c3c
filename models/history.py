"""History imports: each channel's checkpoint, and which messages of a batch are stored already.

Repository functions take a session and never commit (the caller owns the unit of work).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.schema import ImportCheckpoint, Insight, utcnow


def resume_after(
    session: Session, workspace_id: int, source: str, channel_id: str, mode: str, since: str | None
) -> str:
    """The ``ts`` after which this channel's import goes on ("" from the start). A checkpoint counts only when it
    covered at least as far back as ``since`` asks."""
    row = session.scalars(
        select(ImportCheckpoint).where(
            ImportCheckpoint.workspace_id == workspace_id,
            ImportCheckpoint.source == source,
            ImportCheckpoint.channel_id == channel_id,
            ImportCheckpoint.mode == mode,
        )
    ).one_or_none()
    if row is None or (row.since or "") > (since or ""):
        return ""
    return row.last_ts


def save_checkpoint(
    session: Session,
    workspace_id: int,
    source: str,
    channel_id: str,
    mode: str,
    since: str | None,
    last_ts: str,
    finished: bool = False,
) -> None:
    """Everything up to ``last_ts`` in this channel is imported (written in the same unit of work as its batch)."""
    row = session.scalars(
        select(ImportCheckpoint).where(
            ImportCheckpoint.workspace_id == workspace_id,
            ImportCheckpoint.source == source,
            ImportCheckpoint.channel_id == channel_id,
            ImportCheckpoint.mode == mode,
        )
    ).one_or_none()
    if row is None:
        row = ImportCheckpoint(workspace_id=workspace_id, source=source, channel_id=channel_id, mode=mode)
        session.add(row)
    row.since, row.last_ts, row.finished, row.updated_at = since, last_ts, finished, utcnow()


def stored_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Those idempotency keys already stored (captured live, or imported before)."""
    if not keys:
        return set()
    return set(session.scalars(select(Insight.idempotency_key).where(Insight.idempotency_key.in_(list(keys)))))
