"""History imports: each channel's checkpoint, which messages of a batch are stored already, the batch's
insights stored with their tags in one statement, and the organisations imports found.

Repository functions take a session and never commit (the caller owns the unit of work).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from insights.types import Tags
from models.db import dialect_insert
from models.insights import InsightDraft, draft_values, kind_values, read_values, signal_values
from models.schema import ImportCheckpoint, ImportThemeWeek, Insight, Workspace, utcnow

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


def monday_of(moment: datetime) -> str:
    """The Monday (UTC, ISO) of the week an insight created at ``moment`` counts in."""
    day = moment.astimezone(UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def mark_theme_weeks(session: Session, workspace_id: int, mondays: Iterable[str]) -> None:
    """Those weeks hold imported insights whose themes are still to build (written with the batch that stored
    them, so a stored batch always has its weeks marked)."""
    rows = [{"workspace_id": workspace_id, "monday": monday} for monday in sorted(set(mondays))]
    if rows:
        statement = dialect_insert(session, ImportThemeWeek.__table__).on_conflict_do_nothing(
            index_elements=["workspace_id", "monday"]
        )
        session.execute(statement, rows)


def pending_theme_weeks(session: Session, workspace_id: int) -> list[str]:
    """The marked weeks' Mondays, oldest first."""
    return list(
        session.scalars(
            select(ImportThemeWeek.monday)
            .where(ImportThemeWeek.workspace_id == workspace_id)
            .order_by(ImportThemeWeek.monday)
        )
    )


def clear_theme_weeks(session: Session, workspace_id: int, mondays: Sequence[str]) -> None:
    """Those weeks' themes are built (written with the themes' events)."""
    if mondays:
        session.execute(
            delete(ImportThemeWeek).where(
                ImportThemeWeek.workspace_id == workspace_id, ImportThemeWeek.monday.in_(list(mondays))
            )
        )


def imported_in_weeks(session: Session, workspace_id: int, mondays: Sequence[str]) -> list[tuple[int, datetime]]:
    """(id, created_at) of the workspace's imported insights created in those weeks, oldest first."""
    if not mondays:
        return []
    ranges = []
    for monday in mondays:
        start = datetime.combine(date.fromisoformat(monday), time.min, UTC)
        ranges.append((Insight.created_at >= start) & (Insight.created_at < start + timedelta(days=7)))
    statement = (
        select(Insight.id, Insight.created_at)
        .where(Insight.workspace_id == workspace_id, Insight.source == IMPORT_SOURCE, or_(*ranges))
        .order_by(Insight.created_at, Insight.id)
    )
    return [(int(i), created) for i, created in session.execute(statement)]
