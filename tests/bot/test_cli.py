"""The ``pepites`` command line: migrations, export, the offline demo, and configuration errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import Engine

from bot.cli.main import main
from models.db import make_sessions
from models.insights import InsightDraft, add_insight
from models.privacy import ReporterVault

VAULT = ReporterVault("a test secret that is long enough")


def seed(engine: Engine) -> None:
    with make_sessions(engine).begin() as session:
        for n, (team, user, anonymous) in enumerate([("T1", "U1", False), ("T1", "U2", True), ("T2", "U1", False)]):
            add_insight(
                session,
                InsightDraft(
                    team_id=team,
                    idempotency_key=f"k{n}",
                    text=f"Insight {n} : le VPN, « encore » & toujours",
                    source="command",
                    reporter_hash=VAULT.hash(team, user),
                    reporter_id=None if anonymous else user,
                    reporter_sealed=VAULT.seal(team, user) if anonymous else None,
                    anonymous=anonymous,
                ),
            )


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_cli_export_writes_one_workspace_without_anonymous_ids(
    fmt: str, database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(engine)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["export", "--workspace", "T1", "--format", fmt]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()] if fmt == "jsonl" else list(csv.DictReader(io.StringIO(out)))
    assert [row["reporter"] for row in rows] == ["U1", "anonymous"]
    assert "U2" not in out and "2 insight(s) exported" in err
    assert rows[0]["text"] == "Insight 0 : le VPN, « encore » & toujours"


def test_cli_db_upgrade_reports_the_revision(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/new.db")
    assert main(["db", "upgrade"]) == 0
    assert "database at revision 00" in capsys.readouterr().out


def test_cli_run_without_tokens_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: pytest.TempPathFactory
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PEPITES_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "SLACK_SIGNING_SECRET" in err and "PEPITES_SECRET_KEY" in err


@pytest.mark.slow
def test_cli_demo_prints_tagged_insights_and_themes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "20 insights" in out
    assert out.count("Kind:") == 20
    assert "Customer signal: reference customer — Biocoop" in out
    assert "This week's themes" in out


def test_cli_train_reports_what_it_kept(
    sqlite_url: str,
    tmp_path: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from models.db import make_engine
    from models.insights import set_kind

    engine = make_engine(sqlite_url)
    texts = [
        ("On pourrait filmer les sessions d'accueil.", "idea"),
        ("Le badge du parking ne marche plus depuis lundi.", "problem"),
        ("Il faut trois validations pour commander un câble.", "dysfunction"),
        ("Bravo à l'équipe support pour la migration sans coupure.", "success"),
    ] * 3
    with make_sessions(engine).begin() as session:
        for n, (text, kind) in enumerate(texts):
            insight, _ = add_insight(
                session,
                InsightDraft(team_id="T1", idempotency_key=f"t{n}", text=text, source="command", reporter_hash="h"),
            )
            set_kind(session, insight, kind)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PEPITES_MODEL_DIR", f"{tmp_path}/models")
    assert main(["train"]) == 0
    out = capsys.readouterr().out
    assert "12 correction(s) made in Slack" in out
    assert "held-out" in out and ("kept the retrained model" in out or "kept the current model" in out)
