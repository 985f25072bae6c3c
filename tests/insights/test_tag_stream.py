from __future__ import annotations

import io
import json
from typing import Any

import pytest

from insights.tagging.stream import tag_lines
from insights.tagging.tagger import Tagger

pytestmark = pytest.mark.slow


def _run(tagger: Tagger, lines: list[str], progress_every: int = 500) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    code = tag_lines(io.StringIO("\n".join(lines) + "\n"), out, err, tagger, progress_every=progress_every)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_tag_stream_writes_tags_and_keeps_other_fields(tagger: Tagger) -> None:
    lines = [
        json.dumps({"id": 1, "text": "Le VPN a encore planté ce matin 🙄", "channel": "it"}),
        json.dumps({"id": "b", "text": "Acme dropped their price by 15% on the Pro plan."}),
    ]
    code, rows, err = _run(tagger, lines)
    assert code == 0 and err == ""
    assert rows[0]["id"] == 1 and rows[0]["channel"] == "it"
    assert rows[0]["lang"] == "fr" and rows[0]["kind"] == "problem"
    assert rows[1]["lang"] == "en" and rows[1]["signal"] == "competitor" and rows[1]["subject"] == "Acme"
    for row in rows:
        assert set(row) >= {"lang", "kind", "kind_confidence", "signal", "subject", "entities", "keywords"}
        assert all(set(e) == {"text", "label"} for e in row["entities"])


def test_tag_stream_reports_bad_lines_by_number_and_goes_on(tagger: Tagger) -> None:
    lines = [
        json.dumps({"id": 1, "text": "Bravo l'équipe support !"}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": 4}),
        json.dumps({"id": 5, "text": "   "}),
        json.dumps({"id": 6, "text": 42}),
        json.dumps({"id": 7, "text": "We could record the onboarding sessions."}),
    ]
    code, rows, err = _run(tagger, lines)
    assert code == 1
    assert [r["id"] for r in rows] == [1, 7]
    for number in (2, 3, 4, 5, 6):
        assert f"line {number}:" in err
    assert "line 1:" not in err and "line 7:" not in err


def test_tag_stream_reports_progress(tagger: Tagger) -> None:
    lines = [json.dumps({"id": i, "text": f"Réunion numéro {i} déplacée à jeudi"}) for i in range(5)]
    code, rows, err = _run(tagger, lines, progress_every=2)
    assert code == 0 and len(rows) == 5
    assert "insights tagged" in err and "done: 5" in err


def test_tag_stream_streams_without_reading_everything_first(tagger: Tagger) -> None:
    class OneShot(io.StringIO):
        """Fails if the whole input is read at once."""

        def read(self, size: int | None = -1) -> str:
            raise AssertionError("tag_lines must iterate over lines")

    out, err = io.StringIO(), io.StringIO()
    inp = OneShot(json.dumps({"id": 1, "text": "Le parking est plein"}) + "\n")
    assert tag_lines(inp, out, err, tagger) == 0
    assert json.loads(out.getvalue())["id"] == 1
