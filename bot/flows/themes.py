"""The theme catalogue's use cases: new insights join it (the same day, and on the tick), managers curate it.

Every change is appended to the workspace's event log in a savepoint: when another replica appended first
(:class:`models.themes.CatalogueConflict`) nothing is written here and the next tick starts again from the
longer log, so replicas never disagree. Curation is one event each (rename, merge, move, hide), recorded
with who and when; undo appends an ``Undone`` event (undoing an undo redoes).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from insights.themes import curation
from insights.themes.assign import ingest
from insights.themes.catalogue import Catalogue, Event, Hidden, Merged, Moved, Renamed, Undone, extended
from insights.themes.features import terms_of
from insights.themes.types import Reading
from models.schema import Insight, utcnow
from models.themes import (
    CatalogueConflict,
    catalogue_of,
    member_readings,
    readings_of,
    record,
    shown_themes,
    theme_weeks_of,
)
from models.weeks import week_key
from models.workspaces import ensure_workspace

if TYPE_CHECKING:  # bot.services imports the tagging worker, which imports catch_up from here
    from bot.services import Database

log = logging.getLogger(__name__)

SPACE_WEEKS: Final = 8
FRESH_DAYS: Final = 8


def catch_up(
    session: Session,
    workspace_id: int,
    now: datetime | None = None,
    *,
    found_new: bool,
    lang: str = "fr",
    ids: list[int] | None = None,
) -> int:
    """Put the workspace's recent insights no theme holds into the catalogue: each joins its closest theme when
    close enough; with ``found_new`` (the tick, the digest) the rest are grouped into new themes (2+ insights).
    The number of events written (0 when another replica wrote first)."""
    now = now or utcnow()
    try:
        with session.begin_nested():
            cat = before = catalogue_of(session, workspace_id)
            if ids is not None:
                fresh = readings_of(session, workspace_id, ids=ids, unthemed=True)
            else:
                since = now - timedelta(days=FRESH_DAYS)
                fresh = readings_of(session, workspace_id, since=since, until=now, unthemed=True)
            fresh = {i: r for i, r in fresh.items() if i not in cat.theme_of}
            if not fresh:
                return 0
            stored = member_readings(session, cat, workspace_id, now - timedelta(weeks=SPACE_WEEKS))
            by_week: dict[str, list[str]] = defaultdict(list)
            for insight_id, created in sorted(theme_weeks_of(session, [int(i) for i in fresh]).items()):
                by_week[week_key(created.date())].append(str(insight_id))
            events: list[Event] = []
            terms = _terms_by_id()
            for week in sorted(by_week):
                batch = [fresh[i] for i in by_week[week]]
                new = ingest(cat, batch, stored, week, lang, found_new=found_new, terms=terms)
                cat = extended(cat, new)
                events += new
                stored.update({r.id: r for r in batch if r.id in cat.theme_of})  # next week's batch sees them
            if events:
                record(session, workspace_id, before, events)
            return len(events)
    except (CatalogueConflict, IntegrityError):
        log.info("catalogue of workspace %s changed meanwhile; next time", workspace_id)
        return 0


def _terms_by_id() -> Callable[[Reading], list[str]]:
    """:func:`terms_of`, each insight's computed once (every week's batch rebuilds the space from all members)."""
    seen: dict[str, list[str]] = {}

    def terms(reading: Reading) -> list[str]:
        found = seen.get(reading.id)
        if found is None:
            found = seen[reading.id] = terms_of(reading)
        return found

    return terms


@dataclass(frozen=True)
class Curated:
    """A curation recorded: the event (its ``seq`` is what undo names) and the catalogue before and after it."""

    event: Event
    catalogue: Catalogue
    before: Catalogue


def _apply(session: Session, workspace_id: int, make: Callable[[Catalogue], Event]) -> Curated:
    cat = catalogue_of(session, workspace_id)
    event = make(cat)
    with session.begin_nested():
        after = record(session, workspace_id, cat, [event])
    return Curated(event, after, cat)


def rename_theme(session: Session, workspace_id: int, theme_key: str, label: str, by: str) -> Curated:
    """A manager names a theme (the name wins over the computed label and steers assignment)."""
    return _apply(session, workspace_id, lambda cat: curation.rename(cat, theme_key, label[:80], by, _now()))


def merge_themes(session: Session, workspace_id: int, keep: str, other: str, by: str) -> Curated:
    """``other``'s insights go to ``keep``; ``other`` is retired."""
    return _apply(session, workspace_id, lambda cat: curation.merge(cat, keep, other, by, _now()))


def move_insight(session: Session, workspace_id: int, insight_id: int, theme_key: str, by: str) -> Curated:
    """One insight of the workspace to another theme (it stays there and steers the theme); an insight no theme
    held yet counts in the week it was reported."""
    created = session.scalar(
        select(Insight.created_at).where(Insight.id == insight_id, Insight.workspace_id == workspace_id)
    )
    if created is None:
        raise curation.CurationError(f"no insight {insight_id} here")
    week = week_key(created.date())
    return _apply(
        session,
        workspace_id,
        lambda cat: curation.move(
            cat, str(insight_id), theme_key, by, _now(), week="" if str(insight_id) in cat.theme_of else week
        ),
    )


def hide_theme(session: Session, workspace_id: int, theme_key: str, by: str) -> Curated:
    """Noise: not shown, still attracting its look-alikes."""
    return _apply(session, workspace_id, lambda cat: curation.hide(cat, theme_key, by, _now()))


def undo_curation(session: Session, workspace_id: int, seq: int, by: str) -> Curated:
    """Undo the event ``seq`` (an undo of an undo redoes it)."""
    return _apply(session, workspace_id, lambda cat: curation.undo(cat, seq, by, _now()))


def _now() -> str:
    return utcnow().isoformat()


def _label(cat: Catalogue, theme_id: str) -> str:
    theme = cat.themes.get(theme_id)
    return (theme.shown_label if theme else "") or theme_id


def describe(curated: Curated) -> tuple[str, dict[str, str]]:
    """The i18n key and values saying what a curation did (for its confirmation)."""
    event, after, before = curated.event, curated.catalogue, curated.before
    if isinstance(event, Renamed):
        return "theme_renamed", {"label": event.label}
    if isinstance(event, Merged):
        return "theme_merged", {"other": _label(before, event.other_id), "label": _label(after, event.theme_id)}
    if isinstance(event, Moved):
        return "theme_moved", {"insight": event.insight_id, "label": _label(after, event.theme_id)}
    if isinstance(event, Hidden):
        return "theme_hidden", {"label": _label(after, event.theme_id)}
    if isinstance(event, Undone):
        return "theme_undone", {}
    return "theme_changed", {}


CurationError = curation.CurationError


@dataclass(frozen=True)
class Confirmation:
    """What a manager is told after a curation: the message, and the event an "Undo" would undo (None: nothing
    to undo, the request was refused)."""

    key: str
    values: dict[str, str]
    seq: int | None = None


def curate(db: Database, team_id: str, change: Callable[[Session, int], Curated]) -> Confirmation:
    """One curation as its own unit of work; a theme that is gone or a catalogue that changed meanwhile is said,
    never raised."""
    try:
        with db.sessions.begin() as session:
            curated = change(session, ensure_workspace(session, team_id).id)
            key, values = describe(curated)
            return Confirmation(key, values, curated.event.seq)
    except CurationError:
        return Confirmation("theme_gone", {})
    except (CatalogueConflict, IntegrityError):
        log.info("theme catalogue of %s changed during a curation", team_id)
        return Confirmation("theme_busy", {})


@dataclass(frozen=True)
class ThemeChoice:
    """A theme a manager can pick (merge target, move target)."""

    key: str
    label: str


def theme_choices(db: Database, team_id: str) -> list[ThemeChoice]:
    """The workspace's shown themes, biggest first."""
    with db.sessions.begin() as session:
        rows = shown_themes(session, ensure_workspace(session, team_id).id)
        return [ThemeChoice(row.key, row.curated_label or row.label or row.key) for row in rows]


def insight_exists(db: Database, team_id: str, insight_id: int) -> bool:
    """Whether the workspace has that insight (a number typed in the move form)."""
    with db.sessions.begin() as session:
        workspace_id = ensure_workspace(session, team_id).id
        found = session.scalar(select(Insight.id).where(Insight.id == insight_id, Insight.workspace_id == workspace_id))
        return found is not None
