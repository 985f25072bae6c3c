"""A workspace's theme catalogue in the database: the event log (the truth), the replayed themes (a cache for
views) and what each insight gives themes. Functions take a session and never commit.

Appending is optimistic: the first new ``seq`` is claimed with ``INSERT … ON CONFLICT DO NOTHING``; when
another replica took it first, :class:`CatalogueConflict` is raised and the caller's savepoint is rolled
back (the next tick starts again from the longer log), so every replica replays the same log.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON, Connection, Engine, Select, func, literal, select, update
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
    extended,
    replay,
)
from insights.themes.stored import reading_of, unpack_vectors
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


def _event(row: Any) -> Event:
    cls = EVENT_KINDS[row.kind]
    payload = {k: tuple(v) if isinstance(v, list) else v for k, v in (row.payload or {}).items()}
    return cls(seq=row.seq, by=row.by, at=row.at.isoformat() if row.at else "", **payload)


def load_log(session: Session, workspace_id: int) -> list[Event]:
    """The workspace's catalogue events, in order."""
    return [_event(row) for row in session.execute(_log_rows(workspace_id))]


def catalogue_of(session: Session, workspace_id: int) -> Catalogue:
    """The workspace's catalogue now (the log replayed), as this session sees the log.

    Replaying a long log on every call was most of a digest's build, so each process keeps the last catalogue it
    read per workspace and database (:data:`_CATALOGUES`), with the mark of the log it came from: how many events,
    the highest row id and that row's ``seq``, ``kind`` and ``at``. It is used only while the stored log still
    starts with those rows: a cheap query reads the count and highest id; if they are the cached ones and the
    cached last row is unchanged, the cached catalogue is returned; if only newer rows were added (count grown by
    exactly the rows above the cached id), those alone are read and applied (:func:`extended`); anything else
    (fewer rows, a rewritten tail after a rollback — SQLite can reuse a rolled-back id, but not its ``at`` —, a
    workspace deleted) reads and replays the whole log. So a replica sees another's events as soon as they are
    committed, and its own uncommitted ones inside its transaction. The returned catalogue is shared: read it,
    never change it."""
    count, last_id = session.execute(
        select(func.count(ThemeEvent.id), func.max(ThemeEvent.id)).where(ThemeEvent.workspace_id == workspace_id)
    ).one()
    if not count:
        return replay([])
    key = (_bind_key(session), workspace_id)
    with _CATALOGUES_LOCK:
        cached = _CATALOGUES.get(key)
    cat: Catalogue | None = None
    if cached is not None and cached.last_id <= last_id and cached.count <= count:
        row = session.execute(
            select(ThemeEvent.seq, ThemeEvent.kind, ThemeEvent.at).where(ThemeEvent.id == cached.last_id)
        ).one_or_none()
        if row is not None and tuple(row) == cached.last_row:
            if (cached.count, cached.last_id) == (count, last_id):
                return cached.catalogue
            newer = list(session.execute(_log_rows(workspace_id).where(ThemeEvent.id > cached.last_id)))
            if len(newer) == count - cached.count:
                cat = extended(cached.catalogue, [_event(r) for r in newer])
    if cat is None:
        rows = list(session.execute(_log_rows(workspace_id)))
        cat = replay([_event(r) for r in rows])
    last = session.execute(select(ThemeEvent.seq, ThemeEvent.kind, ThemeEvent.at).where(ThemeEvent.id == last_id)).one()
    with _CATALOGUES_LOCK:
        _CATALOGUES[key] = _Cached(count, last_id, tuple(last), cat)
        _CATALOGUES.move_to_end(key)
        while len(_CATALOGUES) > CACHED_CATALOGUES:
            _CATALOGUES.popitem(last=False)
    return cat


@dataclass(frozen=True)
class _Cached:
    count: int
    last_id: int
    last_row: tuple[Any, ...]
    catalogue: Catalogue


CACHED_CATALOGUES: Final = 16  # a workspace with 100k events holds ~50 MB
_CATALOGUES: OrderedDict[tuple[int, int], _Cached] = OrderedDict()
_CATALOGUES_LOCK = threading.Lock()
_BINDS: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()
_NEXT_BIND = itertools.count(1)


def _bind_key(session: Session) -> int:
    """A number per engine (database) this process opened; never reused, unlike ``id()``."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    with _CATALOGUES_LOCK:
        number = _BINDS.get(engine)
        if number is None:
            number = _BINDS[engine] = next(_NEXT_BIND)
        return number


def _log_rows(workspace_id: int) -> Select[Any]:
    return (
        select(ThemeEvent.seq, ThemeEvent.kind, ThemeEvent.payload, ThemeEvent.by, ThemeEvent.at)
        .where(ThemeEvent.workspace_id == workspace_id)
        .order_by(ThemeEvent.seq)
    )


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
    new = extended(cat, events)
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
    words: bool = True,
) -> dict[str, Reading]:
    """Stored readings of the workspace's insights (those ``ids``, or created in ``[since, until)``; only those no
    theme holds with ``unthemed``, only those one holds with ``themed``), by insight id as a string; insights without
    a vector are left out. ``words=False`` reads the vectors alone (the readings have no words)."""
    stored_words = Insight.words if words else literal(None, JSON).label("words")
    statement = select(Insight.id, Insight.language, stored_words, Insight.vector, Insight.reporter_hash).where(
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
        for rows in session.execute(query.execution_options(yield_per=2000)).partitions():
            vectors = unpack_vectors([row.vector for row in rows])
            for row, vector in zip(rows, vectors, strict=True):
                reading = reading_of(str(row.id), row.language, row.words, vector, row.reporter_hash)
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
