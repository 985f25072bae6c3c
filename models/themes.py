"""A workspace's theme catalogue in the database: the event log (the truth), the replayed themes (a cache for
views) and what each insight gives themes. Functions take a session and never commit.

Appending is optimistic: the first new ``seq`` is claimed with ``INSERT … ON CONFLICT DO NOTHING``; when
another replica took it first, :class:`CatalogueConflict` is raised and the caller's savepoint is rolled
back (the next tick starts again from the longer log), so every replica replays the same log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from insights.themes.catalogue import (
    Catalogue,
    Event,
    Founded,
    Hidden,
    Joined,
    Merged,
    Moved,
    Renamed,
    Undone,
    replay,
)
from insights.themes.stored import stored_reading
from insights.themes.types import Reading
from models.db import dialect_insert
from models.schema import CatalogueTheme, Insight, ThemeEvent, utcnow

EVENT_KINDS: Final[dict[str, type[Event]]] = {
    "founded": Founded,
    "joined": Joined,
    "renamed": Renamed,
    "merged": Merged,
    "moved": Moved,
    "hidden": Hidden,
    "undone": Undone,
}
_KIND_OF: Final = {cls: kind for kind, cls in EVENT_KINDS.items()}
_COMMON: Final = frozenset({"seq", "by", "at"})


class CatalogueConflict(RuntimeError):
    """Another process appended to the same catalogue first: start again from the stored log."""


def _payload(event: Event) -> dict[str, Any]:
    fields = dataclasses.asdict(event)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items() if k not in _COMMON}


def _event(row: ThemeEvent) -> Event:
    cls = EVENT_KINDS[row.kind]
    payload = {k: tuple(v) if isinstance(v, list) else v for k, v in (row.payload or {}).items()}
    return cls(seq=row.seq, by=row.by, at=row.at.isoformat() if row.at else "", **payload)


def load_log(session: Session, workspace_id: int) -> list[Event]:
    """The workspace's catalogue events, in order."""
    rows = session.scalars(select(ThemeEvent).where(ThemeEvent.workspace_id == workspace_id).order_by(ThemeEvent.seq))
    return [_event(row) for row in rows]


def catalogue_of(session: Session, workspace_id: int) -> Catalogue:
    """The workspace's catalogue now (the log replayed)."""
    return replay(load_log(session, workspace_id))


def append_events(session: Session, workspace_id: int, events: Sequence[Event], at: datetime | None = None) -> None:
    """Append events (their ``seq`` follow the stored log's); raises :class:`CatalogueConflict` if another
    process took the first one. Use inside a savepoint (``session.begin_nested()``)."""
    if not events:
        return
    moment = at or utcnow()
    rows = [
        {
            "workspace_id": workspace_id,
            "seq": e.seq,
            "kind": _KIND_OF[type(e)],
            "payload": _payload(e),
            "by": e.by[:32],
            "at": moment,
        }
        for e in events
    ]
    claim = (
        dialect_insert(session, ThemeEvent)
        .values(rows[0])
        .on_conflict_do_nothing(index_elements=["workspace_id", "seq"])
        .returning(ThemeEvent.id)
    )
    # RETURNING, not rowcount: an ORM-enabled INSERT reports no rowcount on PostgreSQL (psycopg), so every claim
    # looked taken there and no catalogue event was ever written.
    if session.execute(claim).scalar_one_or_none() is None:
        raise CatalogueConflict(f"catalogue of workspace {workspace_id}: seq {events[0].seq} taken")
    if rows[1:]:
        session.execute(dialect_insert(session, ThemeEvent), rows[1:])


def record(session: Session, workspace_id: int, cat: Catalogue, events: Sequence[Event]) -> Catalogue:
    """Append ``events`` to ``cat``'s log, refresh the cached themes and memberships; the new catalogue."""
    append_events(session, workspace_id, events)
    new = replay((*cat.log, *events))
    refresh(session, workspace_id, new)
    return new


def refresh(session: Session, workspace_id: int, cat: Catalogue) -> None:
    """Make ``catalogue_theme`` rows and ``insight.theme_key`` say what the replayed catalogue says."""
    existing = {
        row.key: row
        for row in session.scalars(select(CatalogueTheme).where(CatalogueTheme.workspace_id == workspace_id))
    }
    for theme in cat.themes.values():
        values = {
            "label": (theme.label or "")[:255],
            "curated_label": theme.curated_label[:255] if theme.curated_label else None,
            "hidden": theme.hidden,
            "merged_into": theme.merged_into,
            "size": len(theme.members),
        }
        row = existing.pop(theme.id, None)
        if row is None:
            session.execute(
                dialect_insert(session, CatalogueTheme)
                .values(workspace_id=workspace_id, key=theme.id, updated_at=utcnow(), **values)
                .on_conflict_do_nothing()
            )
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.updated_at = utcnow()
    for row in existing.values():  # founded by an event since undone
        session.delete(row)
    rows = session.execute(
        select(Insight.id, Insight.theme_key).where(
            Insight.workspace_id == workspace_id, Insight.theme_key.is_not(None)
        )
    )
    current: dict[int, str | None] = {int(i): key for i, key in rows}
    wanted = {int(i): t for i, t in cat.theme_of.items() if i.isdigit()}
    changes = [{"id": i, "theme_key": t} for i, t in wanted.items() if current.get(i) != t]
    changes += [{"id": i, "theme_key": None} for i in current if i not in wanted]
    if changes:
        session.execute(update(Insight), changes)


def readings_of(
    session: Session,
    workspace_id: int,
    ids: Iterable[int] | None = None,
    since: datetime | None = None,
    unthemed: bool = False,
    until: datetime | None = None,
    themed: bool = False,
) -> dict[str, Reading]:
    """Stored readings of the workspace's insights (those ``ids``, or created in ``[since, until)``; only those no
    theme holds with ``unthemed``, only those one holds with ``themed``), by insight id as a string; insights without
    a vector are left out."""
    statement = select(Insight.id, Insight.language, Insight.words, Insight.vector, Insight.reporter_hash).where(
        Insight.workspace_id == workspace_id, Insight.vector.is_not(None)
    )
    if since is not None:
        statement = statement.where(Insight.created_at >= since)
    if until is not None:
        statement = statement.where(Insight.created_at < until)
    if unthemed:
        statement = statement.where(Insight.theme_key.is_(None))
    if themed:
        statement = statement.where(Insight.theme_key.is_not(None))
    out: dict[str, Reading] = {}
    chunks: list[list[int] | None] = [None]
    if ids is not None:
        wanted = sorted(set(ids))
        chunks = [wanted[n : n + 1000] for n in range(0, len(wanted), 1000)]
    for chunk in chunks:
        query = (statement if chunk is None else statement.where(Insight.id.in_(chunk))).order_by(Insight.id)
        for row in session.execute(query.execution_options(yield_per=2000)):
            reading = stored_reading(str(row.id), row.language, row.words, row.vector, row.reporter_hash)
            if reading is not None:
                out[reading.id] = reading
    return out


def member_readings(session: Session, cat: Catalogue, workspace_id: int, since: datetime) -> dict[str, Reading]:
    """Readings the catalogue's space is built from: members created since ``since`` (the recent weeks say what a
    theme is about now) and every member a manager moved or whose theme a manager curated."""
    members = set(cat.theme_of)
    if not members:
        return {}
    # Members only (``insight.theme_key`` is kept with the catalogue by :func:`refresh`): every batch the tagging
    # worker joins reads this, and decoding each recent insight's words and vector held the GIL for long.
    recent = readings_of(session, workspace_id, since=since, themed=True)
    curated = [int(m) for t in cat.themes.values() if t.curated or t.pinned for m in t.members if m.isdigit()]
    missing = [m for m in curated if str(m) not in recent]
    if missing:
        recent.update(readings_of(session, workspace_id, ids=missing))
    return {i: r for i, r in recent.items() if i in members}


def shown_themes(session: Session, workspace_id: int) -> list[CatalogueTheme]:
    """Themes a manager can pick (merge target, move target): active and not hidden, biggest first."""
    statement = (
        select(CatalogueTheme)
        .where(
            CatalogueTheme.workspace_id == workspace_id,
            CatalogueTheme.merged_into.is_(None),
            CatalogueTheme.hidden.is_(False),
        )
        .order_by(CatalogueTheme.size.desc(), CatalogueTheme.key)
    )
    return list(session.scalars(statement))


def theme_weeks_of(session: Session, ids: Sequence[int]) -> Mapping[int, datetime]:
    """When each insight was created (its week in the catalogue)."""
    rows = session.execute(select(Insight.id, Insight.created_at).where(Insight.id.in_(list(ids))))
    return {int(i): c for i, c in rows}
