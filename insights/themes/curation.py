"""What a manager does to the catalogue, as events (one click each), and undo.

Each function checks the request against the current state and returns the one event to append to
the log; :func:`themes.catalogue.replay` of the longer log is the new state. Undo appends an
``Undone`` event (so the log keeps who undid what, and an undo can itself be undone).
"""

from __future__ import annotations

from insights.themes.catalogue import Catalogue, Event, Hidden, Merged, Moved, Renamed, Undone


class CurationError(ValueError):
    """A curation request that does not fit the catalogue (unknown theme, merge with itself...)."""


def _theme(cat: Catalogue, theme_id: str) -> str:
    resolved = cat.resolve(theme_id)
    if resolved not in cat.themes:
        raise CurationError(f"unknown theme {theme_id}")
    return resolved


def rename(cat: Catalogue, theme_id: str, label: str, by: str, at: str = "") -> Renamed:
    label = " ".join(label.split())
    if not label:
        raise CurationError("a theme needs a name")
    return Renamed(seq=cat.next_seq(), by=by, at=at, theme_id=_theme(cat, theme_id), label=label)


def merge(cat: Catalogue, keep_id: str, other_id: str, by: str, at: str = "") -> Merged:
    keep, other = _theme(cat, keep_id), _theme(cat, other_id)
    if keep == other:
        raise CurationError("a theme cannot be merged with itself")
    return Merged(seq=cat.next_seq(), by=by, at=at, theme_id=keep, other_id=other)


def move(cat: Catalogue, insight_id: str, theme_id: str, by: str, at: str = "", week: str = "") -> Moved:
    target = _theme(cat, theme_id)
    current = cat.theme_of.get(insight_id)
    if current is not None and not week:
        week = cat.themes[current].members.get(insight_id, "")
    return Moved(seq=cat.next_seq(), by=by, at=at, insight_id=insight_id, theme_id=target, week=week)


def hide(cat: Catalogue, theme_id: str, by: str, at: str = "") -> Hidden:
    return Hidden(seq=cat.next_seq(), by=by, at=at, theme_id=_theme(cat, theme_id))


def undo(cat: Catalogue, target_seq: int, by: str, at: str = "") -> Undone:
    """Undo one event of the log (by its seq); undoing an undo redoes."""
    if not any(e.seq == target_seq for e in cat.log):
        raise CurationError(f"no event {target_seq}")
    return Undone(seq=cat.next_seq(), by=by, at=at, target=target_seq)


def with_event(cat: Catalogue, event: Event) -> tuple[Event, ...]:
    """The log with one more event (helper for callers that keep the log in memory)."""
    return (*cat.log, event)
