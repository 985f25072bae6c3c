"""``pepites themes``: JSON Lines in, themed lines and a per-theme summary out, bad lines named."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from insights.pipeline import LoadedPipelines
from insights.themes.stream import themes_lines

VPN = [
    "Le VPN est encore tombé ce matin, impossible de me connecter au serveur.",
    "Troisième coupure du VPN cette semaine, on perd des heures.",
    "VPN outage again today, nobody on the remote team could connect.",
    "Encore une panne de VPN, impossible de bosser depuis la maison.",
    "Panne du VPN ce matin encore, personne ne peut se connecter.",
    "VPN down again this morning, I can't connect from home.",
]
COFFEE = [
    "La machine à café du 2e est encore en panne, plus de café depuis lundi.",
    "Quelqu'un peut appeler le réparateur pour la machine à café ? Elle fuit partout.",
    "The coffee machine on the second floor is broken again, no coffee since Monday.",
]


def _run(lines: list[str], pipelines: LoadedPipelines) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]], str]:
    out, summary, progress = io.StringIO(), io.StringIO(), io.StringIO()
    code = themes_lines(io.StringIO("\n".join(lines) + "\n"), out, summary, pipelines, progress=progress)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    themes = [json.loads(line) for line in summary.getvalue().splitlines()]
    return code, rows, themes, progress.getvalue()


def _line(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False)


@pytest.fixture(scope="module")
def two_weeks(pipelines: LoadedPipelines) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]], str]:
    lines = [_line(id=f"v{i}", text=t, week=1, reporter=f"U{i}") for i, t in enumerate(VPN[:2])]
    lines += [_line(id=f"c{i}", text=t, week=1) for i, t in enumerate(COFFEE)]
    lines += [_line(id=f"w{i}", text=t, week=2, reporter=f"U{i % 3}") for i, t in enumerate(VPN)]
    return _run(lines, pipelines)


def test_theme_stream_writes_every_line_back_with_its_theme(two_weeks: Any) -> None:
    code, rows, themes, _ = two_weeks
    assert code == 0
    assert [r["id"] for r in rows] == ["v0", "v1", "c0", "c1", "c2"] + [f"w{i}" for i in range(6)]
    assert all(r["theme"] and r["theme_label"] for r in rows)
    assert rows[0]["theme"] == rows[1]["theme"] != rows[2]["theme"]
    assert {r["theme"] for r in rows} == {t["id"] for t in themes}


def test_theme_stream_summary_gives_size_reporters_and_trend(two_weeks: Any) -> None:
    _, rows, themes, _ = two_weeks
    week2 = [t for t in themes if t["week"] == 2]
    assert len(week2) == 1
    [vpn] = week2
    assert (vpn["size"], vpn["reporters"], vpn["trend"]) == (6, 3, "growing")
    assert "vpn" in vpn["label"].lower()
    assert {t["trend"] for t in themes if t["week"] == 1} == {"new"}
    # The catalogue's theme: the same id as week 1's VPN insights, not a new one per week.
    assert {row["theme"] for row in rows if row["id"].startswith("w")} == {rows[0]["theme"]}


def test_theme_stream_reports_progress_per_week(two_weeks: Any) -> None:
    progress = two_weeks[3]
    assert "week 1: 5 insights" in progress and "week 2: 6 insights" in progress


def test_theme_stream_names_malformed_lines_and_keeps_the_others(pipelines: LoadedPipelines) -> None:
    lines = [
        _line(id="a", text=VPN[0]),
        "{not json",
        "[1, 2]",
        _line(id="b"),
        _line(id="c", text="   "),
        _line(id="d", text=VPN[1], week="semaine 3"),
        _line(id="e", text=VPN[2], week="2026-W54"),
        _line(id="f", text=VPN[3]),
    ]
    code, rows, _, progress = _run(lines, pipelines)
    assert code == 1
    assert [r["id"] for r in rows] == ["a", "f"]
    for number in range(2, 8):
        assert f"line {number}:" in progress
    assert "line 1:" not in progress and "line 8:" not in progress
    assert "not valid JSON" in progress and "text" in progress and "week" in progress


def test_theme_stream_without_week_is_one_week(pipelines: LoadedPipelines) -> None:
    code, rows, themes, _ = _run([_line(id=str(i), text=t) for i, t in enumerate(VPN[:3] + COFFEE)], pipelines)
    assert code == 0
    assert len({r["theme"] for r in rows}) == 2
    assert all(t["week"] is None and t["trend"] == "new" for t in themes)


def test_theme_stream_orders_iso_weeks_and_sees_gaps(pipelines: LoadedPipelines) -> None:
    lines = [_line(text=t, week="2026-W47") for t in VPN[:3]]  # out of order on purpose
    lines += [_line(text=t, week="2026-W45") for t in VPN]
    code, rows, themes, _ = _run(lines, pipelines)
    assert code == 0
    vpn = [t for t in themes if t["id"] == rows[0]["theme"]]
    assert [t["week"] for t in vpn] == ["2026-W45", "2026-W47"]
    assert [t["trend"] for t in vpn] == ["new", "recurring"]  # W46 had none: back after a gap
    assert rows[0]["theme"] == rows[-1]["theme"]


def test_theme_stream_empty_input_writes_nothing(pipelines: LoadedPipelines) -> None:
    assert _run([], pipelines)[:3] == (0, [], [])
