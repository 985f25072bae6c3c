"""History imports: each channel's checkpoint, which messages of a batch are stored already, the batch's
insights stored with their tags in one statement, and the organisations imports found.

Repository functions take a session and never commit (the caller owns the unit of work).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from insights.types import Tags
from models.db import dialect_insert
from models.insights import InsightDraft, draft_values, kind_values, read_values, signal_values
from models.schema import ImportCheckpoint, Insight, Workspace, utcnow

IMPORT_SOURCE = "import"


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


def add_tagged(session: Session, workspace_id: int, batch: Sequence[tuple[InsightDraft, Tags]]) -> dict[str, int]:
    """A batch of imported insights with their tags, as capture then tagging would store them, in one
    ``INSERT … ON CONFLICT DO NOTHING``; ``{key: id}`` of those stored now (a key stored meanwhile, by a live
    capture for instance, is left out and left as it was)."""
    if not batch:
        return {}
    rows = [
        {**draft_values(draft, workspace_id), **read_values(tags), **kind_values(tags), **signal_values(tags)}
        for draft, tags in batch
    ]
    table = Insight.__table__
    statement = (
        dialect_insert(session, table)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.idempotency_key, table.c.id)
    )
    return {str(key): int(i) for key, i in session.execute(statement, rows)}


def imported_orgs(session: Session, team_id: str, limit: int = 2000) -> list[tuple[str, str | None]]:
    """(subject, signal) the tagger found in the workspace's imported insights, in the order they were first
    found, each pair once: the customers and competitors an import taught (a person's word still wins)."""
    first = func.min(Insight.id)
    statement = (
        select(Insight.subject, Insight.signal)
        .join(Workspace)
        .where(
            Workspace.team_id == team_id,
            Insight.source == IMPORT_SOURCE,
            Insight.signal_set_by == "model",
            Insight.subject.is_not(None),
        )
        .group_by(Insight.subject, Insight.signal)
        .order_by(first)
        .limit(limit)
    )
    return [(str(subject), signal) for subject, signal in session.execute(statement) if subject]
