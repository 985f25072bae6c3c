"""New insights against the catalogue: join the closest theme when close enough, group the rest.

:func:`assign` scores each insight against every active theme in a space fixed by the
catalogue's members: the blended cosine of :mod:`themes.space` (USE centred on the catalogue, and lemma TF-IDF; curated
members and a manager's label weigh more).
An insight joins the best theme when the score reaches :data:`JOIN_FLOOR` and the group it forms with
the batch's other new insights is not, on average, a new subject (:data:`GROUP_FLOOR`); hidden themes attract too
(noise stays in the noise). The rest go to :func:`group_unassigned`: the week's grouping
(:mod:`themes.grouping`), where groups of 2+ insights found new themes and singletons stay unthemed
(« autres »). Existing members never move: adding insights cannot reshuffle what people have seen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final

import numpy as np

from insights.themes.catalogue import Catalogue, Event, Founded, Joined, theme_id_for
from insights.themes.features import terms_of
from insights.themes.grouping import GroupingParams, group_readings
from insights.themes.labels import group_labels
from insights.themes.space import CatalogueSpace, catalogue_space
from insights.themes.types import Reading

JOIN_FLOOR: Final = 0.05
GROUP_FLOOR: Final = 0.1
MIN_THEME_SIZE: Final = 2


def assign(
    readings: Sequence[Reading],
    space: CatalogueSpace | None,
    floor: float = JOIN_FLOOR,
    terms: Callable[[Reading], list[str]] = terms_of,
    groups: np.ndarray | None = None,
    group_floor: float = GROUP_FLOOR,
) -> list[str | None]:
    """Theme id for each reading when its best score reaches ``floor``, else None.

    With ``groups`` (the batch's own grouping), a group of 2+ insights whose *average* score row
    peaks below ``group_floor`` is a new subject: none of its members joins an old theme, even when
    one of them alone is close enough. Averaging over the group is what tells a new subject from a
    known one better than any single insight can (REPORT.md: learning).
    """
    if not readings or space is None:
        return [None] * len(readings)
    scores = space.scores(readings, terms)
    best = scores.argmax(axis=1)
    joins = scores[np.arange(len(readings)), best] >= floor
    if groups is not None:
        for group in np.unique(groups):
            members = np.flatnonzero(groups == group)
            if len(members) >= MIN_THEME_SIZE and scores[members].mean(axis=0).max() < group_floor:
                joins[members] = False
    return [space.theme_ids[b] if joins[i] else None for i, b in enumerate(best.tolist())]


def group_unassigned(
    readings: Sequence[Reading],
    workspace_lang: str = "fr",
    params: GroupingParams | None = None,
    terms: Callable[[Reading], list[str]] = terms_of,
) -> list[tuple[tuple[str, ...], str]]:
    """Candidate new themes (member ids, label) from insights no theme took; singletons are left out."""
    if len(readings) < MIN_THEME_SIZE:
        return []
    assignment = group_readings(readings, params, terms)
    groups: list[list[Reading]] = [[] for _ in range(int(assignment.max()) + 1)]
    for reading, group in zip(readings, assignment.tolist(), strict=True):
        groups[group].append(reading)
    kept = [g for g in groups if len(g) >= MIN_THEME_SIZE]
    labels = group_labels(kept, workspace_lang)
    return [(tuple(r.id for r in g), label or "") for g, label in zip(kept, labels, strict=True)]


def ingest(
    cat: Catalogue,
    readings: Sequence[Reading],
    stored: Mapping[str, Reading],
    week: str,
    workspace_lang: str = "fr",
    floor: float = JOIN_FLOOR,
    params: GroupingParams | None = None,
    found_new: bool = True,
    group_floor: float = GROUP_FLOOR,
    terms: Callable[[Reading], list[str]] = terms_of,
) -> list[Event]:
    """Events adding a batch to the catalogue: joins to existing themes, then (optionally) new themes.

    ``stored`` holds the readings of insights already in the catalogue (centroids are recomputed from
    members, so replicas agree bit for bit on the same rows). Run with
    ``found_new=False`` as insights arrive (the Home tab sees joins the same day) and with ``True`` on
    the schedule and at digest time.
    """
    fresh = [r for r in readings if r.id not in cat.theme_of]
    seq = cat.next_seq()
    events: list[Event] = []
    space = catalogue_space(cat, stored, terms)
    groups = group_readings(fresh, params, terms) if space is not None and len(fresh) >= MIN_THEME_SIZE else None
    chosen = assign(fresh, space, floor, terms, groups, group_floor)
    for reading, theme_id in zip(fresh, chosen, strict=True):
        if theme_id is not None:
            events.append(Joined(seq=seq, insight_id=reading.id, theme_id=theme_id, week=week))
            seq += 1
    if found_new:
        rest = [r for r, t in zip(fresh, chosen, strict=True) if t is None]
        for members, label in group_unassigned(rest, workspace_lang, params, terms):
            events.append(Founded(seq=seq, theme_id=theme_id_for(members), label=label, members=members, week=week))
            seq += 1
    return events
