"""JSON Lines in, themes out: the engine of ``pepites themes``.

Each input line is an object with ``text``, optional ``id``, ``lang``, ``reporter`` and ``week`` (an
integer or an ISO week such as ``"2026-W47"``). Every line is written back with ``theme`` (an id stable
within the run, ``<week>/t<n>``) and ``theme_label``; ``summary`` gets one JSON object per theme (id,
label, keywords, week, size, reporters, trend).

Clustering needs a whole week, so the input is read to the end first and the output lines come
afterwards, in input order. Weeks are processed oldest first (numbers in numeric order, ISO weeks in
calendar order) and each week's trends are measured against the earlier weeks of the same input; lines
without ``week`` form one week of their own, whose themes are all ``new``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, TextIO

from insights.pipeline import LoadedPipelines
from insights.themes.trends import ISO_WEEK, PastTheme, Week, as_past, theme_trends
from insights.themes.weekly import ThemeCluster, ThemeItem, cluster_week

PROGRESS_EVERY: Final = 10_000


@dataclass(frozen=True)
class Line:
    """One good input line: where it was, what it said, and its week (None when it had none)."""

    number: int
    record: dict[str, Any]
    week: Week | None


def _week(value: Any) -> Week:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        found = ISO_WEEK.match(value.strip())
        if found is not None:
            date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)  # W54 and friends raise
            return value.strip()
    raise ValueError(f"bad week {value!r}: expected an integer or an ISO week like 2026-W47")


def parse_line(number: int, raw: str) -> Line:
    """One input line, or ValueError saying what is wrong with it."""
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError('missing or empty "text"')
    week = _week(record["week"]) if record.get("week") is not None else None
    return Line(number, record, week)


def _week_order(week: Week | None) -> tuple[int, int, str]:
    if week is None:
        return (0, 0, "")
    return (1, week, "") if isinstance(week, int) else (2, 0, week)


def _item(index: int, record: Mapping[str, Any]) -> ThemeItem:
    reporter = record.get("reporter")
    lang = record.get("lang")
    return ThemeItem(
        id=str(index),
        text=str(record["text"]),
        reporter=str(reporter) if reporter not in (None, "") else None,
        lang=lang if lang in ("fr", "en") else None,
    )


def _theme_id(week: Week | None, theme: ThemeCluster) -> str:
    return theme.key if week is None else f"{week}/{theme.key}"


def themes_lines(
    inp: TextIO, out: TextIO, summary: TextIO, pipelines: LoadedPipelines, progress: TextIO | None = None
) -> int:
    """Theme every line of ``inp`` week by week; 1 if any line was malformed (and skipped), else 0."""
    errors = progress if progress is not None else sys.stderr
    lines: list[Line] = []
    bad = 0
    for number, raw in enumerate(inp, start=1):
        if not raw.strip():
            continue
        try:
            lines.append(parse_line(number, raw))
        except ValueError as exc:
            bad += 1
            print(f"line {number}: {exc}", file=errors)
        if progress is not None and number % PROGRESS_EVERY == 0:
            print(f"read {number} lines", file=progress)
    weeks = sorted({line.week for line in lines}, key=_week_order)
    assigned: dict[int, tuple[str, str]] = {}
    history: list[PastTheme] = []
    for week in weeks:
        members = [line for line in lines if line.week == week]
        started = time.perf_counter()
        if progress is not None and len(members) >= PROGRESS_EVERY:
            print(f"week {week if week is not None else '-'}: grouping {len(members)} insights…", file=progress)
        themes = cluster_week([_item(i, line.record) for i, line in enumerate(members)], pipelines)
        trends = theme_trends(themes, history, week) if week is not None else {}
        for theme in themes:
            theme_id = _theme_id(week, theme)
            for member in theme.member_ids:
                assigned[members[int(member)].number] = (theme_id, theme.label)
            trend = trends[theme.key].trend if theme.key in trends else "new"
            row = {
                "id": theme_id,
                "label": theme.label,
                "keywords": list(theme.keywords),
                "week": week,
                "size": theme.size,
                "reporters": theme.reporters,
                "trend": trend,
            }
            summary.write(json.dumps(row, ensure_ascii=False) + "\n")
        if week is not None:
            history.extend(as_past(themes, week))
        if progress is not None:
            elapsed = time.perf_counter() - started
            print(
                f"week {week if week is not None else '-'}: {len(members)} insights, "
                f"{len(themes)} themes in {elapsed:.1f} s",
                file=progress,
            )
    for line in lines:
        theme_id, label = assigned[line.number]
        out.write(json.dumps({**line.record, "theme": theme_id, "theme_label": label}, ensure_ascii=False) + "\n")
    if progress is not None:
        print(f"{len(lines)} lines themed, {bad} malformed", file=progress)
    return 1 if bad else 0
