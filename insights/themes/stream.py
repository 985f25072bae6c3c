"""JSON Lines in, themes out: the engine of ``pepites themes``.

Each input line is an object with ``text``, optional ``id``, ``lang``, ``reporter`` and ``week`` (an
integer or an ISO week such as ``"2026-W47"``). Every line is written back with ``theme`` (the catalogue
theme's stable id, the same from one week to the next; ``autres`` for an insight no theme holds) and
``theme_label``; ``summary`` gets one JSON object per theme and week (id, label, week, size, reporters,
trend).

The input is read to the end first, then fed week by week, oldest first (numbers in numeric order, ISO
weeks in calendar order), to a catalogue (:mod:`insights.themes.assign`): a week's insights join the
themes of earlier weeks when close enough, the rest found new themes, so trends are the same theme's
weekly counts. Lines without ``week`` form one week of their own, first. ``catalogue``/``stored`` start
from a workspace's stored themes (``pepites themes --catalogue TEAM``); nothing is written back.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, TextIO

from insights.language import detect_language
from insights.pipeline import LoadedPipelines, with_sentence_vector
from insights.text import clean_slack_text
from insights.themes.assign import ingest
from insights.themes.catalogue import Catalogue, Event, replay
from insights.themes.reading import read_texts
from insights.themes.types import Reading
from insights.themes.weekly import OTHERS_LABELS, week_themes

PROGRESS_EVERY: Final = 10_000
ISO_WEEK: Final = re.compile(r"^(\d{4})-W(\d{2})$")
Week = int | str


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


def _read(lines: list[Line], pipelines: LoadedPipelines) -> list[Reading]:
    texts = [clean_slack_text(str(line.record["text"])) for line in lines]
    given = [line.record.get("lang") for line in lines]
    langs = [g if g in ("fr", "en") else detect_language(t) for g, t in zip(given, texts, strict=True)]
    reporters = [str(r) if (r := line.record.get("reporter")) not in (None, "") else None for line in lines]
    return read_texts(texts, [f"line-{line.number}" for line in lines], langs, pipelines, reporters)


def _calendar(keys: list[str]) -> list[str]:
    """ISO weeks with the missing ones put back (a gap makes a theme « recurring »); other keys as given."""
    if not keys or not all(ISO_WEEK.match(k) for k in keys):
        return keys
    first = date.fromisocalendar(int(keys[0][:4]), int(keys[0][6:]), 1)
    last = date.fromisocalendar(int(keys[-1][:4]), int(keys[-1][6:]), 1)
    weeks = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    return [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in weeks]


def themes_lines(
    inp: TextIO,
    out: TextIO,
    summary: TextIO,
    pipelines: LoadedPipelines,
    progress: TextIO | None = None,
    catalogue: Catalogue | None = None,
    stored: Mapping[str, Reading] | None = None,
    lang: str = "fr",
) -> int:
    """Theme every line of ``inp`` week by week; 1 if any line was malformed (and skipped), else 0."""
    errors = progress if progress is not None else sys.stderr
    with_sentence_vector(pipelines.fr)
    with_sentence_vector(pipelines.en)
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
    log: list[Event] = list(catalogue.log) if catalogue is not None else []
    known: dict[str, Reading] = dict(stored or {})
    cat = catalogue or replay(log)
    weeks = sorted({line.week for line in lines}, key=_week_order)
    keys = [str(w) if w is not None else "-" for w in weeks]
    assigned: dict[int, tuple[str, str]] = {}
    for n, week in enumerate(weeks):
        members = [line for line in lines if line.week == week]
        started = time.perf_counter()
        if progress is not None and len(members) >= PROGRESS_EVERY:
            print(f"week {keys[n]}: grouping {len(members)} insights…", file=progress)
        readings = _read(members, pipelines)
        log += ingest(cat, readings, known, keys[n], lang)
        cat = replay(log)
        known.update({r.id: r for r in readings})
        history = _calendar(keys[: n + 1])
        shown = week_themes(cat, [r.id for r in readings], known, history, {r.id: r.reporter for r in readings}, lang)
        for theme in shown.themes:
            trend = shown.trends.get(theme.key)
            for member in theme.member_ids:
                assigned[int(member.removeprefix("line-"))] = (theme.key, theme.label)
            row = {
                "id": theme.key,
                "label": theme.label,
                "week": week,
                "size": theme.size,
                "reporters": theme.reporters,
                "trend": trend.trend if trend else None,
            }
            summary.write(json.dumps(row, ensure_ascii=False) + "\n")
        if progress is not None:
            elapsed = time.perf_counter() - started
            print(
                f"week {keys[n]}: {len(members)} insights, {len(shown.themes)} themes in {elapsed:.1f} s", file=progress
            )
    others = ("autres", OTHERS_LABELS.get(lang, "autres"))
    for line in lines:
        theme_id, label = assigned.get(line.number, others)
        out.write(json.dumps({**line.record, "theme": theme_id, "theme_label": label}, ensure_ascii=False) + "\n")
    if progress is not None:
        print(f"{len(lines)} lines themed, {bad} malformed", file=progress)
    return 1 if bad else 0
