"""The theme catalogue's use cases: new insights join it (the same day, and on the tick), managers curate it.

Every change is appended to the workspace's event log in a savepoint: when another replica appended first
(:class:`models.themes.CatalogueConflict`) nothing is written here and the next tick starts again from the
longer log, so replicas never disagree. Curation is one event each (rename, merge, move, hide), recorded
with who and when; undo appends an ``Undone`` event (undoing an undo redoes).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from insights.themes import curation
from insights.themes.assign import ingest
from insights.themes.catalogue import Catalogue, Event, Hidden, Merged, Moved, Renamed, Undone, replay
from models.schema import utcnow
from models.themes import CatalogueConflict, catalogue_of, member_readings, readings_of, record, theme_weeks_of
from models.weeks import week_key

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
            for week in sorted(by_week):
                batch = [fresh[i] for i in by_week[week]]
                new = ingest(cat, batch, stored, week, lang, found_new=found_new)
                cat = replay((*cat.log, *new))
                events += new
                stored.update({r.id: r for r in batch if r.id in cat.theme_of})  # next week's batch sees them
            if events:
                record(session, workspace_id, before, events)
            return len(events)
    except (CatalogueConflict, IntegrityError):
        log.info("catalogue of workspace %s changed meanwhile; next time", workspace_id)
        return 0


@dataclass(frozen=True)
class Curated:
    """A curation recorded: the event (its ``seq`` is what undo names) and the catalogue after it."""

    event: Event
    catalogue: Catalogue


def _apply(session: Session, workspace_id: int, make: object) -> Curated:
    cat = catalogue_of(session, workspace_id)
    event = make(cat)  # type: ignore[operator]
    with session.begin_nested():
        after = record(session, workspace_id, cat, [event])
    return Curated(event, after)


def rename_theme(session: Session, workspace_id: int, theme_key: str, label: str, by: str) -> Curated:
    """A manager names a theme (the name wins over the computed label and steers assignment)."""
    return _apply(session, workspace_id, lambda cat: curation.rename(cat, theme_key, label[:80], by, _now()))


def merge_themes(session: Session, workspace_id: int, keep: str, other: str, by: str) -> Curated:
    """``other``'s insights go to ``keep``; ``other`` is retired."""
    return _apply(session, workspace_id, lambda cat: curation.merge(cat, keep, other, by, _now()))


def move_insight(session: Session, workspace_id: int, insight_id: int, theme_key: str, by: str) -> Curated:
    """One insight to another theme (it stays there and steers the theme)."""
    return _apply(session, workspace_id, lambda cat: curation.move(cat, str(insight_id), theme_key, by, _now()))


def hide_theme(session: Session, workspace_id: int, theme_key: str, by: str) -> Curated:
    """Noise: not shown, still attracting its look-alikes."""
    return _apply(session, workspace_id, lambda cat: curation.hide(cat, theme_key, by, _now()))


def undo_curation(session: Session, workspace_id: int, seq: int, by: str) -> Curated:
    """Undo the event ``seq`` (an undo of an undo redoes it)."""
    return _apply(session, workspace_id, lambda cat: curation.undo(cat, seq, by, _now()))


def _now() -> str:
    return utcnow().isoformat()


def describe(event: Event) -> tuple[str, dict[str, str]]:
    """The i18n key and values saying what a curation did (for its confirmation)."""
    if isinstance(event, Renamed):
        return "theme_renamed", {"label": event.label}
    if isinstance(event, Merged):
        return "theme_merged", {}
    if isinstance(event, Moved):
        return "theme_moved", {"insight": event.insight_id}
    if isinstance(event, Hidden):
        return "theme_hidden", {}
    if isinstance(event, Undone):
        return "theme_undone", {}
    return "theme_changed", {}


CurationError = curation.CurationError
