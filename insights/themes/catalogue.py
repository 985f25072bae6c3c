"""A workspace's lasting theme catalogue, as an event log replayed into a state.

The log is the truth (the database stores it, append-only, ordered by ``seq``); the state is a pure
function of the log and the members' USE vectors, so two replicas that read the same rows agree, and
an undo is one more event (``Undone(target)``), after which the state is replayed without the target.

Events: the system *founds* a theme from a group of new insights and *joins* an insight to a theme;
a manager *renames*, *merges* (the second theme's members go to the first, the second is retired),
*moves* an insight (it becomes one of the target theme's exemplars and is never reassigned) and
*hides* a theme (noise: it keeps attracting look-alikes, but is not shown).

What new insights are compared with is computed from this state by :mod:`themes.space`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Event:
    """Something that happened to the catalogue: ``seq`` orders the log, ``by``/``at`` say who and when."""

    seq: int
    by: str = "system"
    at: str = ""


@dataclass(frozen=True)
class Founded(Event):
    theme_id: str = ""
    label: str = ""
    members: tuple[str, ...] = ()
    week: str = ""


@dataclass(frozen=True)
class Joined(Event):
    insight_id: str = ""
    theme_id: str = ""
    week: str = ""


@dataclass(frozen=True)
class Renamed(Event):
    theme_id: str = ""
    label: str = ""


@dataclass(frozen=True)
class Merged(Event):
    theme_id: str = ""  # kept
    other_id: str = ""  # retired, its members move to theme_id


@dataclass(frozen=True)
class Moved(Event):
    insight_id: str = ""
    theme_id: str = ""
    week: str = ""


@dataclass(frozen=True)
class Hidden(Event):
    theme_id: str = ""


@dataclass(frozen=True)
class Undone(Event):
    target: int = 0  # seq of the event undone (an Undone may target an Undone: redo)


@dataclass
class ThemeState:
    """One theme as the replayed log says it is now."""

    id: str
    label: str
    members: dict[str, str] = field(default_factory=dict)  # insight id -> week
    curated_label: str | None = None
    hidden: bool = False
    merged_into: str | None = None
    curated: bool = False
    pinned: set[str] = field(default_factory=set)  # insights a manager moved here
    founded_seq: int = 0

    @property
    def shown_label(self) -> str:
        """A manager's rename always wins over the computed label."""
        return self.curated_label or self.label

    @property
    def active(self) -> bool:
        return self.merged_into is None

    def weekly_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for week in self.members.values():
            counts[week] = counts.get(week, 0) + 1
        return counts


@dataclass
class Catalogue:
    """The replayed state: themes by id, the theme of each insight, and the log it came from."""

    themes: dict[str, ThemeState]
    theme_of: dict[str, str]
    log: tuple[Event, ...]

    def active_themes(self) -> list[ThemeState]:
        """Themes not merged away, in founding order (deterministic)."""
        return sorted((t for t in self.themes.values() if t.active), key=lambda t: (t.founded_seq, t.id))

    def next_seq(self) -> int:
        return max((e.seq for e in self.log), default=0) + 1

    def resolve(self, theme_id: str) -> str:
        """Follow merges: the theme that now holds what ``theme_id`` held."""
        seen = set()
        while (theme := self.themes.get(theme_id)) is not None and theme.merged_into and theme_id not in seen:
            seen.add(theme_id)
            theme_id = theme.merged_into
        return theme_id


def theme_id_for(members: Iterable[str]) -> str:
    """A theme's stable id from its founding members (the same on every replica)."""
    digest = hashlib.blake2b("\n".join(sorted(members)).encode("utf-8"), digest_size=6).hexdigest()
    return f"th-{digest}"


def effective(log: Sequence[Event]) -> list[Event]:
    """The events still in force: undone ones out (an undo of an undo puts its target back)."""
    undone: set[int] = set()
    for event in sorted(log, key=lambda e: e.seq, reverse=True):
        if isinstance(event, Undone) and event.seq not in undone:
            undone.add(event.target)
    return [e for e in sorted(log, key=lambda e: e.seq) if e.seq not in undone and not isinstance(e, Undone)]


def _place(cat: Catalogue, insight: str, theme_id: str, week: str) -> None:
    old = cat.theme_of.get(insight)
    if old is not None and old in cat.themes:
        week = cat.themes[old].members.pop(insight, week) or week
        cat.themes[old].pinned.discard(insight)
    target = cat.themes[cat.resolve(theme_id)]
    target.members[insight] = week
    cat.theme_of[insight] = target.id


def _apply(cat: Catalogue, event: Event) -> None:
    if isinstance(event, Founded):
        cat.themes[event.theme_id] = ThemeState(event.theme_id, event.label, founded_seq=event.seq)
        for member in event.members:
            _place(cat, member, event.theme_id, event.week)
    elif isinstance(event, Joined) and cat.resolve(event.theme_id) in cat.themes:
        if event.insight_id not in cat.theme_of:  # a moved or founded insight is never re-joined
            _place(cat, event.insight_id, event.theme_id, event.week)
    elif isinstance(event, Renamed) and event.theme_id in cat.themes:
        theme = cat.themes[cat.resolve(event.theme_id)]
        theme.curated_label, theme.curated = event.label, True
    elif isinstance(event, Merged) and event.theme_id in cat.themes and event.other_id in cat.themes:
        keep, other = cat.themes[cat.resolve(event.theme_id)], cat.themes[cat.resolve(event.other_id)]
        if keep.id == other.id:
            return
        for insight, week in list(other.members.items()):
            _place(cat, insight, keep.id, week)
        keep.pinned |= other.pinned
        other.pinned = set()
        other.merged_into, keep.curated = keep.id, True
    elif isinstance(event, Moved) and cat.resolve(event.theme_id) in cat.themes:
        _place(cat, event.insight_id, event.theme_id, event.week)
        cat.themes[cat.resolve(event.theme_id)].pinned.add(event.insight_id)
    elif isinstance(event, Hidden) and event.theme_id in cat.themes:
        cat.themes[cat.resolve(event.theme_id)].hidden = True


def replay(log: Sequence[Event]) -> Catalogue:
    """The catalogue the log describes (undone events skipped)."""
    cat = Catalogue(themes={}, theme_of={}, log=tuple(sorted(log, key=lambda e: e.seq)))
    for event in effective(log):
        _apply(cat, event)
    return cat


def extended(cat: Catalogue, events: Sequence[Event]) -> Catalogue:
    """``replay((*cat.log, *events))``, without replaying ``cat.log`` again when ``events`` only add to it (no undo
    among them, every ``seq`` after the log's, none an earlier undo names): a copy of ``cat`` with them applied.
    ``cat`` is not changed."""
    if not events:
        return cat
    last = max((e.seq for e in cat.log), default=0)
    named = {e.target for e in cat.log if isinstance(e, Undone)}
    if any(isinstance(e, Undone) or e.seq <= last or e.seq in named for e in events):
        return replay((*cat.log, *events))
    added = sorted(events, key=lambda e: e.seq)
    themes = {
        key: dataclasses.replace(theme, members=dict(theme.members), pinned=set(theme.pinned))
        for key, theme in cat.themes.items()
    }
    copy = Catalogue(themes=themes, theme_of=dict(cat.theme_of), log=(*cat.log, *added))
    for event in added:
        _apply(copy, event)
    return copy
