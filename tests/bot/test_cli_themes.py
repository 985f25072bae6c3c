"""``pepites themes --catalogue TEAM_ID``: JSON Lines in, ``theme`` and ``theme_label`` out, assigned against the
workspace's stored catalogue (a manager's name wins), and the database left as it was (issue 11)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.cli.main import main
from bot.flows.themes import catch_up, rename_theme
from insights.pipeline import LoadedPipelines, load_pipelines
from insights.themes.reading import read_texts
from insights.themes.stored import pack_vector, pack_words
from models.db import make_engine, make_sessions
from models.schema import Insight, ThemeEvent
from models.workspaces import ensure_workspace

STORED = [
    "Le VPN est encore tombé ce matin, impossible de travailler.",
    "Coupure du VPN pendant la démo client, très gênant.",
    "Le VPN coupe toutes les dix minutes depuis la maison.",
    "Encore une panne de VPN, on perd une heure à chaque fois.",
    "Ma note de frais est bloquée depuis trois semaines.",
    "Quatre signatures pour une note de frais de douze euros.",
    "Les notes de frais mettent un mois à être remboursées.",
    "Note de frais refusée pour un ticket de taxi illisible.",
]
LINES = [
    {"id": "a", "text": "Le VPN est tombé deux fois aujourd'hui.", "week": "2026-W48"},
    {"id": "b", "text": "Plus de VPN depuis ce matin, personne ne peut se connecter.", "week": "2026-W48"},
    {"id": "c", "text": "La machine à café du deuxième étage fuit.", "week": "2026-W48"},
]


@pytest.fixture(scope="module")
def pipelines() -> LoadedPipelines:
    return load_pipelines(sentence_vector=True)


@pytest.mark.slow
def test_cli_themes_assigns_against_a_stored_catalogue(
    sqlite_url: str, pipelines: LoadedPipelines, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    sessions = make_sessions(make_engine(sqlite_url))
    readings = read_texts(STORED, [str(n) for n in range(len(STORED))], ["fr"] * len(STORED), pipelines)
    with sessions.begin() as session:
        workspace_id = ensure_workspace(session, "T1").id
        rows = [
            {
                "workspace_id": workspace_id,
                "idempotency_key": f"k{n}",
                "text": text,
                "source": "import",
                "reporter_hash": f"h{n}",
                "language": "fr",
                "words": pack_words(reading.words),
                "vector": pack_vector(reading.vector),
                "status": "open",
                "confirmation": {},
                "created_at": now - timedelta(days=3, hours=n),
            }
            for n, (text, reading) in enumerate(zip(STORED, readings, strict=True))
        ]
        ids = list(session.scalars(insert(Insight).returning(Insight.id), rows))
    with sessions.begin() as session:
        catch_up(session, workspace_id, now, found_new=True)
        vpn = session.scalar(select(Insight.theme_key).where(Insight.id == ids[0]))
        assert vpn is not None
        rename_theme(session, workspace_id, vpn, "Pannes VPN", "U0BOSS001")
        events = session.scalar(select(func.count()).select_from(ThemeEvent))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setattr("insights.pipeline.load_pipelines", lambda sentence_vector=False: pipelines)
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(line) + "\n" for line in LINES)))
    assert main(["themes", "--catalogue", "T1"]) == 0
    captured = capsys.readouterr()
    out = {row["id"]: row for row in map(json.loads, captured.out.splitlines())}
    assert set(out) == {"a", "b", "c"} and all(row["text"] for row in out.values())  # the input's fields kept
    assert (
        (out["a"]["theme"], out["a"]["theme_label"])
        == (vpn, "Pannes VPN")
        == (out["b"]["theme"], out["b"]["theme_label"])
    )
    assert out["c"]["theme"] == "autres"
    assert "catalogue of T1" in captured.err
    with sessions.begin() as session:  # read only
        assert session.scalar(select(func.count()).select_from(ThemeEvent)) == events


def test_cli_themes_names_an_unknown_workspace(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with pytest.raises(SystemExit, match="no workspace T9"):
        main(["themes", "--catalogue", "T9"])
