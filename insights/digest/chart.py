"""A PNG of the top themes' sizes over the last weeks, attached to the digest.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no display, no global state), so it is
safe in a worker thread. The image is always :data:`WIDTH_PX` × :data:`HEIGHT_PX`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Final

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

WIDTH_PX: Final = 1000
HEIGHT_PX: Final = 500
DPI: Final = 100
MAX_SERIES: Final = 8
LABEL_LIMIT: Final = 40


def _plain(label: str, limit: int = LABEL_LIMIT) -> str:
    """A label matplotlib draws as typed: ``$`` would start mathtext (and can raise on odd input)."""
    text = " ".join(label.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.replace("\\", "\\\\").replace("$", r"\$")


def theme_chart_png(weeks: Sequence[str], series: Mapping[str, Sequence[int]], title: str) -> bytes:
    """Lines of the first :data:`MAX_SERIES` themes (insights per week) over ``weeks``, as PNG bytes.

    Each series has one value per week. With no theme, the chart says so instead of drawing nothing.
    """
    for label, values in series.items():
        if len(values) != len(weeks):
            raise ValueError(f"series {label!r} has {len(values)} values for {len(weeks)} weeks")
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(_plain(title, 90))
    positions = list(range(len(weeks)))
    shown = list(series.items())[:MAX_SERIES]
    colours = [f"C{i}" for i in range(len(shown))]
    for (label, values), colour in zip(shown, colours, strict=True):
        axes.plot(positions, list(values), marker="o", linewidth=2, color=colour, label=_plain(label))
    axes.set_xticks(positions, [_plain(w, 12) for w in weeks])
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", alpha=0.3)
    if shown:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    else:
        axes.text(0.5, 0.5, "—", transform=axes.transAxes, ha="center", va="center", fontsize=24, color="grey")
    # Fixed margins rather than bbox_inches="tight", which would change the pixel size with the labels.
    figure.subplots_adjust(left=0.06, right=0.72, top=0.9, bottom=0.1)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
