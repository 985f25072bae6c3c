"""The weekly digest as plain data: counts, themes with quotes, escalations, signals, wins and fixes.

Built from what the caller loaded (this week's insights, last week's counts, the week's themes and
their trends, the open escalations, what was resolved since the last digest); rendered to Block Kit
by :mod:`bot.views.digest`. Every list is kept whole here; the view decides how much fits.

Privacy: reporters are pseudonymous keys, used only to count distinct people, never copied out.
Small-group rule: a theme with fewer than :data:`MIN_REPORTERS` distinct reporters, all anonymous,
shows no quote. Stricter than the design's minimum, in such a small theme an anonymous insight is not
quoted even beside named ones (its author would be easy to guess). Anonymous insights without a
reporter key count as no distinct person, so they can never lift a theme over the threshold.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from insights.themes.trends import ThemeTrend, Trend
from insights.themes.weekly import OTHERS_KEY, ThemeCluster
from insights.types import KINDS, SIGNALS

MIN_REPORTERS: Final = 3
QUOTES_PER_THEME: Final = 2
# The count key of insights the tagger has not read yet (no kind).
PENDING: Final = "pending"
COUNT_KEYS: Final[tuple[str, ...]] = (*KINDS, PENDING)


@dataclass(frozen=True)
class DigestInsight:
    """One insight as the digest needs it; ``reporter`` is a pseudonymous key, only ever counted."""

    id: int
    text: str
    kind: str | None
    signal: str | None
    subject: str | None
    status: str
    reporter: str | None
    anonymous: bool
    permalink: str | None
    created_at: datetime
    escalated_at: datetime | None = None
    resolved_at: datetime | None = None
    value_eur: float | None = None
    theme_key: str | None = None
    external: bool = False  # reported by a person of another organisation (Slack Connect)


@dataclass(frozen=True)
class CountDelta:
    """A headline count (``key`` is ``total``, a kind or ``pending``) against last week's."""

    key: str
    count: int
    previous: int

    @property
    def delta(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True)
class Quote:
    """A representative insight of a theme, quoted with its link."""

    insight_id: int
    text: str
    permalink: str | None
    external: bool = False


@dataclass(frozen=True)
class ThemeDigest:
    """A theme of the week: label, size, distinct reporters, trend and up to two quotes."""

    key: str
    label: str
    size: int
    reporters: int
    trend: Trend
    previous_size: int
    quotes: tuple[Quote, ...]
    quotes_withheld: bool


@dataclass(frozen=True)
class SignalGroup:
    """This week's insights carrying one customer signal (``lead``, ``at_risk``…), oldest first."""

    signal: str
    items: tuple[DigestInsight, ...]


@dataclass(frozen=True)
class OpenEscalation:
    """An escalated insight still open, with its age in whole days at the end of the period."""

    insight: DigestInsight
    age_days: int


@dataclass(frozen=True)
class Resolved:
    """ "You said, we did": what was resolved since the last digest and the € it was worth."""

    items: tuple[DigestInsight, ...]
    value_eur: float
    running_value_eur: float


@dataclass(frozen=True)
class Digest:
    """Everything one workspace's weekly digest says, as plain data."""

    period_start: datetime
    period_end: datetime
    total: CountDelta
    by_kind: tuple[CountDelta, ...]
    themes: tuple[ThemeDigest, ...]
    escalated: tuple[DigestInsight, ...]
    signals: tuple[SignalGroup, ...]
    successes: tuple[DigestInsight, ...]
    resolved: Resolved
    open_escalations: tuple[OpenEscalation, ...]

    @property
    def signal_count(self) -> int:
        return sum(len(group.items) for group in self.signals)


def count_by_kind(insights: Iterable[DigestInsight]) -> dict[str, int]:
    """Insights per kind (``pending`` for untagged ones): this week's headline, or last week's for the caller."""
    counts = Counter(i.kind if i.kind in KINDS else PENDING for i in insights)
    return {key: counts.get(key, 0) for key in COUNT_KEYS}


def _headline(this_week: Mapping[str, int], last_week: Mapping[str, int]) -> tuple[CountDelta, tuple[CountDelta, ...]]:
    by_kind = tuple(CountDelta(key, this_week.get(key, 0), last_week.get(key, 0)) for key in COUNT_KEYS)
    total = CountDelta("total", sum(this_week.values()), sum(last_week.values()))
    return total, by_kind


def _in_period(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def _distinct_reporters(members: Sequence[DigestInsight]) -> int:
    return len({m.reporter for m in members if m.reporter})


def _theme(
    theme: ThemeCluster,
    members: Sequence[DigestInsight],
    trend: ThemeTrend | None,
    votes: Mapping[int, int],
    centrality: Mapping[int, float],
) -> ThemeDigest:
    reporters = _distinct_reporters(members) if members else theme.reporters
    small = reporters < MIN_REPORTERS
    # Small theme: only named insights may be quoted; all anonymous → nothing at all.
    candidates = [m for m in members if not (small and m.anonymous) and m.status != "dismissed"]
    best = heapq.nlargest(
        QUOTES_PER_THEME, candidates, key=lambda m: (votes.get(m.id, 0), centrality.get(m.id, 0.0), -m.id)
    )
    return ThemeDigest(
        key=theme.key,
        label=theme.label,
        size=theme.size,
        reporters=reporters,
        trend=trend.trend if trend else "new",
        previous_size=trend.previous_size if trend else 0,
        quotes=tuple(Quote(m.id, m.text, m.permalink, m.external) for m in best),
        quotes_withheld=small and any(m.anonymous for m in members),
    )


def _escalated(groups: Iterable[Iterable[DigestInsight]], start: datetime, end: datetime) -> tuple[DigestInsight, ...]:
    seen: dict[int, DigestInsight] = {}
    for group in groups:
        for insight in group:
            if insight.id not in seen and _in_period(insight.escalated_at, start, end):
                seen[insight.id] = insight
    return tuple(sorted(seen.values(), key=lambda i: (i.escalated_at or start, i.id)))


def _signals(insights: Sequence[DigestInsight]) -> tuple[SignalGroup, ...]:
    grouped: dict[str, list[DigestInsight]] = {signal: [] for signal in SIGNALS}
    for insight in insights:
        if insight.signal in grouped:
            grouped[insight.signal].append(insight)
    return tuple(
        SignalGroup(signal, tuple(sorted(items, key=lambda i: (i.created_at, i.id))))
        for signal, items in grouped.items()
        if items
    )


def build_digest(
    insights_this_week: Sequence[DigestInsight],
    last_week_counts: Mapping[str, int],
    themes: Sequence[ThemeCluster],
    trends: Mapping[str, ThemeTrend],
    open_escalations: Sequence[DigestInsight],
    resolved_since_last: Sequence[DigestInsight],
    period_start: datetime,
    period_end: datetime,
    *,
    votes: Mapping[int, int] | None = None,
    centrality: Mapping[int, float] | None = None,
    value_before_eur: float = 0.0,
) -> Digest:
    """The digest of ``[period_start, period_end)``; linear in the insights apart from sorting the lists.

    ``last_week_counts`` is :func:`count_by_kind` of last week (its total is the sum). ``themes`` and
    ``trends`` come from :func:`insights.themes.weekly.week_themes` (the catalogue's themes of the week);
    a theme's members are found by ``member_ids`` (``str`` of the insight id). ``votes`` (escalations
    and "me too" per insight id) and ``centrality`` (cosine to the theme centroid) choose the quotes.
    ``value_before_eur`` is the "you said, we did" € total before this period.
    """
    votes = votes or {}
    centrality = centrality or {}
    total, by_kind = _headline(count_by_kind(insights_this_week), last_week_counts)
    by_id = {str(i.id): i for i in insights_this_week}
    theme_digests = []
    # « autres » (insights no shown theme holds) last; stable: ties keep the catalogue's order.
    for theme in sorted(themes, key=lambda t: (t.key == OTHERS_KEY, -t.size)):
        members = [by_id[m] for m in theme.member_ids if m in by_id]
        theme_digests.append(_theme(theme, members, trends.get(theme.key), votes, centrality))
    resolved_value = sum(i.value_eur or 0.0 for i in resolved_since_last)
    successes = [i for i in insights_this_week if i.kind == "success" and i.status != "dismissed"]
    ages = [
        OpenEscalation(i, max((period_end - i.escalated_at).days, 0) if i.escalated_at else 0) for i in open_escalations
    ]
    return Digest(
        period_start=period_start,
        period_end=period_end,
        total=total,
        by_kind=by_kind,
        themes=tuple(theme_digests),
        escalated=_escalated((insights_this_week, open_escalations, resolved_since_last), period_start, period_end),
        signals=_signals(insights_this_week),
        successes=tuple(sorted(successes, key=lambda i: (-votes.get(i.id, 0), i.created_at, i.id))),
        resolved=Resolved(
            items=tuple(sorted(resolved_since_last, key=lambda i: (i.resolved_at or period_start, i.id))),
            value_eur=resolved_value,
            running_value_eur=value_before_eur + resolved_value,
        ),
        open_escalations=tuple(sorted(ages, key=lambda e: (-e.age_days, e.insight.id))),
    )
