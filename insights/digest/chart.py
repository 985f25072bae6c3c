"""A PNG of the top themes' sizes over the last weeks, attached to the digest.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no display, no global state), so it is
safe in a worker thread. The image is always :data:`WIDTH_PX` × :data:`HEIGHT_PX`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

WIDTH_PX: Final = 1000
HEIGHT_PX: Final = 500
DPI: Final = 100
MAX_SERIES: Final = 8
LABEL_LIMIT: Final = 40
OFFSET: Final = 0.06  # x offset between series with the same values (a week is 1)
MARKERS: Final = ("o", "s", "^", "D", "v", "P", "X", "*")


def _plain(label: str, limit: int = LABEL_LIMIT) -> str:
    """A label matplotlib draws as typed: ``$`` would start mathtext (and can raise on odd input)."""
    text = " ".join(label.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.replace("\\", "\\\\").replace("$", r"\$")


@dataclass(frozen=True)
class ChartPlan:
    """What the chart draws: the weeks since the first one with data, each series with its x offset (equal
    series are drawn side by side, never one over the other), and bars when only one week is left."""

    weeks: tuple[str, ...]
    series: tuple[tuple[str, tuple[int, ...], float], ...]
    bars: bool


def chart_plan(weeks: Sequence[str], series: Mapping[str, Sequence[int]]) -> ChartPlan:
    """The weeks before any theme had an insight are left out (a new workspace's first digest draws one week,
    as bars, not seven zeros and a point); series with the same values get small offsets."""
    shown = [(label, tuple(values)) for label, values in list(series.items())[:MAX_SERIES]]
    first = next((i for i in range(len(weeks)) if any(values[i] for _, values in shown)), max(len(weeks) - 1, 0))
    kept = tuple(weeks[first:])
    trimmed = [(label, values[first:]) for label, values in shown]
    groups: dict[tuple[int, ...], list[int]] = {}
    for index, (_, values) in enumerate(trimmed):
        groups.setdefault(values, []).append(index)
    offsets = [0.0] * len(trimmed)
    for members in groups.values():
        for rank, index in enumerate(members):
            offsets[index] = (rank - (len(members) - 1) / 2) * OFFSET
    planned = tuple((label, values, offsets[i]) for i, (label, values) in enumerate(trimmed))
    return ChartPlan(kept, planned, bars=len(kept) == 1 and bool(planned))


def theme_chart_png(weeks: Sequence[str], series: Mapping[str, Sequence[int]], title: str) -> bytes:
    """Lines of the first :data:`MAX_SERIES` themes (insights per week) over ``weeks``, as PNG bytes.

    Each series has one value per week. With no theme, the chart says so instead of drawing nothing.
    """
    for label, values in series.items():
        if len(values) != len(weeks):
            raise ValueError(f"series {label!r} has {len(values)} values for {len(weeks)} weeks")
    plan = chart_plan(weeks, series)
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(_plain(title, 90))
    positions = list(range(len(plan.weeks)))
    for index, (label, values, offset) in enumerate(plan.series):
        colour, marker = f"C{index}", MARKERS[index % len(MARKERS)]
        if plan.bars:
            axes.bar(index, values[0], color=colour, label=_plain(label))
        else:
            xs = [p + offset for p in positions]
            axes.plot(xs, list(values), marker=marker, markersize=7, linewidth=2, color=colour, label=_plain(label))
    if plan.bars:
        axes.set_xticks([(len(plan.series) - 1) / 2], [_plain(plan.weeks[0], 12)])
    else:
        axes.set_xticks(positions, [_plain(w, 12) for w in plan.weeks])
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", alpha=0.3)
    if plan.series:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    else:
        axes.text(0.5, 0.5, "—", transform=axes.transAxes, ha="center", va="center", fontsize=24, color="grey")
    # Fixed margins rather than bbox_inches="tight", which would change the pixel size with the labels.
    figure.subplots_adjust(left=0.06, right=0.72, top=0.9, bottom=0.1)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
