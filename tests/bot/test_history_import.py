"""``pepites import``: a small export (French and English, threads, reactions, bots, joins, files, a corrupt day)
becomes insights once, in their own weeks, with the catalogue's themes, and the next digest shows the trend."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import bot.flows.themes as catch_up_module
from bot.cli.history import run_import_command
from bot.flows.digest import build_weekly, due_period
from bot.flows.history import THEME_WEEKS
from bot.jobs.tagging import workspace_orgs
from bot.workspace_config import WorkspaceConfig
from insights.types import KnownOrgs, Tags
from models.history import add_tagged
from models.insights import InsightDraft, add_insight, confirmation_due, set_signal
from models.schema import ImportCheckpoint, Insight, Workspace
from models.tagging import store_tags
from tests.bot.conftest import make_settings
from tests.support.seed import make_workspace
from tests.support.slack_export import message, write_export
from tests.support.stub_tagger import StubTagger, stub_tags

NOW = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)  # Monday 09:05 in Paris
CONFIG = WorkspaceConfig(digest_channel="C0DIGEST")
PERIOD = due_period(NOW, CONFIG)
W3 = PERIOD.start - timedelta(days=21) + timedelta(hours=10)
W0 = PERIOD.start + timedelta(days=1, hours=10)
FEEDBACK = ("C0FEEDBACK", "retours-clients")
GENERAL = ("C0GENERAL", "general")
VPN = (
    "Le VPN tombe encore ce matin, impossible de travailler",
    "Le VPN tombe encore ce matin pour toute l'équipe",
    "Encore le VPN qui tombe ce matin, on est bloqués",
)


def _export(path: Path) -> Path:
    first = message(W3, VPN[0], "U1", reactions=("gem",))
    feedback = [
        first,
        message(W3 + timedelta(hours=1), VPN[1], "U2", reactions=("gem", "+1")),
        # A thread reply counts; its author is the reporter.
        message(W3 + timedelta(hours=2), VPN[2], "U3", reactions=("gem",), thread_ts=first["ts"]),
        message(W3 + timedelta(hours=3), "ok merci", "U4"),
        message(W3 + timedelta(hours=4), "<@U5> has joined the channel", "U5", subtype="channel_join"),
        message(W3 + timedelta(hours=5), "Déploiement terminé", "B1", reactions=("gem",), bot_id="B0BOT"),
        message(W3 + timedelta(hours=6), "", "U6", reactions=("gem",), files=[{"id": "F1"}]),
        # A second subject the same week: the grouping needs something to tell the VPN from.
        message(W3 + timedelta(hours=7), "Les colis arrivent abîmés chez Biocoop", "U4", reactions=("gem",)),
        message(W3 + timedelta(hours=8), "Colis abîmés à la livraison chez Biocoop", "U6", reactions=("gem",)),
        message(NOW - timedelta(days=200), "Le VPN tombait déjà en mai", "U1", reactions=("gem",)),  # retention
        *(message(W0 + timedelta(hours=n), VPN[n], f"U{n + 1}", reactions=("gem",)) for n in range(3)),
        message(W0 + timedelta(hours=4), "The checkout page is broken again for Acme", "U7", reactions=("gem",)),
        message(W0 + timedelta(hours=5), "Checkout page broken again, Acme is furious", "U8", reactions=("gem",)),
        message(W0 + timedelta(hours=6), "Le serveur de paie est en panne depuis hier soir", "U2"),
        message(W0 + timedelta(hours=7), "Quelqu'un a vu mes clés ce midi dans la cuisine ?", "U3"),
    ]
    general = [
        message(
            W0 + timedelta(hours=1),
            "Bravo à l'équipe pour la démo chez Biocoop, super retours",
            "U5",
            reactions=("gem",),
        ),
    ]
    return write_export(
        path / "export.zip", {FEEDBACK: feedback, GENERAL: general}, bots=("B1",), corrupt=("general/2026-10-01.json",)
    )


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return _export(tmp_path)


def _run(
    url: str, path: Path, tagger: StubTagger, *args: str, channels: Sequence[str] = (), **options: object
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_import_command(
        make_settings(url),
        str(path),
        "T1",
        channels=channels,
        out=out,
        err=err,
        tagger=tagger,
        now=NOW,
        **options,  # type: ignore[arg-type]
    )
    return code, out.getvalue(), err.getvalue()


def _insights(sessions: sessionmaker[Session]) -> list[Insight]:
    with sessions() as session:
        rows = list(session.scalars(select(Insight).order_by(Insight.created_at)))
        session.expunge_all()
        return rows


@pytest.fixture
def workspace(sessions: sessionmaker[Session]) -> int:
    return make_workspace(sessions, "T1", NOW - timedelta(days=400), retention_days=90)


def test_import_stores_the_marked_messages_once_in_their_weeks(
    database_url: str, sessions: sessionmaker[Session], export: Path, workspace: int
) -> None:
    code, out, err = _run(database_url, export, StubTagger())
    assert code == 0, err
    rows = _insights(sessions)
    assert len(rows) == 11, [r.text for r in rows]
    assert {r.source for r in rows} == {"import"} and all(r.tagged_at is not None for r in rows)
    assert rows[0].created_at == W3 and rows[0].reporter_id == "U1" and rows[0].channel_name == "retours-clients"
    assert rows[2].reporter_id == "U3"  # the thread reply's author
    with sessions.begin() as session:  # nobody is told of an imported insight, nor owed a DM when they add :gem:
        assert not any(confirmation_due(session, r.idempotency_key, r.reporter_hash) for r in rows)
    assert rows[0].idempotency_key == f"message:T1:C0FEEDBACK:{int(W3.timestamp())}.000000"
    assert "retention 1" in out and "bot 1" in out and "system 1" in out and "no_text 1" in out
    assert "general/2026-10-01.json" in err and "general/2026-10-01.json" in out
    assert "ETA" in err and "#retours-clients" in err
    # A second import adds nothing.
    code, out, _ = _run(database_url, export, StubTagger())
    assert code == 0 and len(_insights(sessions)) == 11 and "0 stored" in out


def test_a_message_captured_live_is_not_imported_again(
    database_url: str, sessions: sessionmaker[Session], export: Path, workspace: int
) -> None:
    key = f"message:T1:C0FEEDBACK:{int(W3.timestamp())}.000000"
    with sessions.begin() as session:
        add_insight(session, InsightDraft("T1", key, VPN[0], "reaction", "hash", reporter_id="U9"))
    code, out, _ = _run(database_url, export, StubTagger())
    assert code == 0 and "already_stored 1" in out
    rows = _insights(sessions)
    assert len(rows) == 11 and [r.source for r in rows if r.idempotency_key == key] == ["reaction"]


def test_import_all_keeps_what_the_classifier_reads_as_insights(
    database_url: str, sessions: sessionmaker[Session], export: Path, workspace: int
) -> None:
    code, out, _ = _run(database_url, export, StubTagger(), everything=True)
    assert code == 0
    texts = {r.text for r in _insights(sessions)}
    assert "Le serveur de paie est en panne depuis hier soir" in texts
    assert "Quelqu'un a vu mes clés ce midi dans la cuisine ?" not in texts and "ok merci" not in texts
    assert "not_an_insight" in out and "chit_chat 1" in out


class InterruptedTagger(StubTagger):
    """Fails on its ``fail_on``-th batch, as a killed import would stop."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.fail_on = fail_on

    def tag_many(
        self,
        texts: Sequence[str],
        known: KnownOrgs = KnownOrgs(),  # noqa: B008 - frozen, never mutated
        *,
        customers: object = None,
    ) -> list[Tags]:
        if len(self.batches) + 1 == self.fail_on:
            raise RuntimeError("interrupted")
        return super().tag_many(texts, known)


def test_an_interrupted_import_resumes_after_its_checkpoint(
    database_url: str, sessions: sessionmaker[Session], export: Path, workspace: int
) -> None:
    with pytest.raises(RuntimeError):
        _run(database_url, export, InterruptedTagger(fail_on=2))  # the first channel done, the second not
    assert len(_insights(sessions)) == 10
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ImportCheckpoint)) == 1
    tagger = StubTagger()
    code, out, _ = _run(database_url, export, tagger)
    assert code == 0 and "resumed" in out
    assert tagger.tagged == ["Bravo à l'équipe pour la démo chez Biocoop, super retours"]
    assert len(_insights(sessions)) == 11


@pytest.mark.parametrize("theme_weeks", [THEME_WEEKS, 1])
def test_imported_weeks_have_themes_and_the_next_digest_shows_a_recurring_one(
    theme_weeks: int,
    database_url: str,
    sessions: sessionmaker[Session],
    export: Path,
    workspace: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Themes are built a few weeks per unit of work; one week at a time, a week still joins the themes before it.
    monkeypatch.setattr("bot.flows.history.THEME_WEEKS", theme_weeks)
    code, out, _ = _run(database_url, export, StubTagger(), channels=["#retours-clients"])
    assert code == 0 and "themes: 0 new" not in out
    rows = _insights(sessions)
    vpn = [r for r in rows if "VPN" in r.text]
    assert len(vpn) == 6 and len({r.theme_key for r in vpn}) == 1 and vpn[0].theme_key
    with sessions.begin() as session:
        workspace_id = session.scalars(select(Workspace.id).where(Workspace.team_id == "T1")).one()
        digest = build_weekly(session, workspace_id, CONFIG, PERIOD, persist=False).digest
    trends = {theme.label: theme.trend for theme in digest.themes}
    assert "recurring" in trends.values(), trends


@pytest.mark.parametrize("failing_chunk", [1, 2])
def test_an_import_stopped_in_its_themes_step_builds_them_when_run_again(
    failing_chunk: int,
    database_url: str,
    sessions: sessionmaker[Session],
    export: Path,
    workspace: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One week per unit of work: stopped before the first week's themes (1) or between the two weeks (2).
    monkeypatch.setattr("bot.flows.history.THEME_WEEKS", 1)
    real_catch_up = catch_up_module.catch_up
    calls: list[int] = []

    def stopping(*args: object, **kwargs: object) -> int:
        calls.append(1)
        if len(calls) == failing_chunk:
            raise KeyboardInterrupt
        return real_catch_up(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("bot.flows.history.catch_up", stopping)
    with pytest.raises(KeyboardInterrupt):
        _run(database_url, export, StubTagger(), channels=["#retours-clients"])
    vpn = [r for r in _insights(sessions) if "VPN" in r.text]
    stopped = [r for r in vpn if (r.created_at < PERIOD.start) == (failing_chunk == 1)]  # the week not built
    assert len(vpn) == 6 and len(stopped) == 3 and not any(r.theme_key for r in stopped)
    # Run again: nothing new to store, yet the weeks left without themes get them.
    monkeypatch.setattr("bot.flows.history.catch_up", real_catch_up)
    code, out, _ = _run(database_url, export, StubTagger(), channels=["#retours-clients"])
    assert code == 0 and "0 stored" in out, out
    vpn = [r for r in _insights(sessions) if "VPN" in r.text]
    assert len({r.theme_key for r in vpn}) == 1 and vpn[0].theme_key
    with sessions.begin() as session:
        workspace_id = session.scalars(select(Workspace.id).where(Workspace.team_id == "T1")).one()
        digest = build_weekly(session, workspace_id, CONFIG, PERIOD, persist=False).digest
    assert "recurring" in {theme.trend for theme in digest.themes}


def test_a_dry_run_writes_nothing(
    database_url: str, sessions: sessionmaker[Session], export: Path, workspace: int
) -> None:
    code, out, _ = _run(database_url, export, StubTagger(), dry_run=True)
    assert code == 0 and "dry run" in out and "11 insight(s) found" in out
    assert _insights(sessions) == []


@pytest.mark.parametrize(
    ("make", "options", "said"),
    [
        (lambda p: (p / "x.zip").write_text("not a zip") and p / "x.zip", {}, "not a zip"),
        (lambda p: _zip_without_channels(p), {}, "not a Slack export"),
        (_export, {"channels": ["ventes"]}, "unknown channel(s) ventes"),
        (_export, {"since": "2027-01-01"}, "in the future"),
        (_export, {"since": "hier"}, "not a date"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    make: object,
    options: dict[str, object],
    said: str,
    database_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    workspace: int,
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    code, _, err = _run(database_url, path, StubTagger(), **options)  # type: ignore[arg-type]
    assert code == 2 and said in err
    assert _insights(sessions) == []


def test_an_unknown_workspace_is_named(database_url: str, export: Path) -> None:
    code, _, err = _run(database_url, export, StubTagger())
    assert code == 2 and "no workspace 'T1'" in err


def _zip_without_channels(path: Path) -> Path:
    with zipfile.ZipFile(path / "other.zip", "w") as archive:
        archive.writestr("readme.txt", "hello")
    return path / "other.zip"


class GuessingTagger(StubTagger):
    """Finds « Maison Vernier » and « Kelvio » unprompted, as the real tagger finds a name by its context."""

    def tag_many(
        self,
        texts: Sequence[str],
        known: KnownOrgs = KnownOrgs(),  # noqa: B008 - frozen, never mutated
        *,
        customers: Sequence[str | None] | None = None,
    ) -> list[Tags]:
        tags = super().tag_many(texts, known, customers=customers)
        guessed = [next((n for n in ("Maison Vernier", "Kelvio") if n in text), None) for text in texts]
        return [replace(t, subject=t.subject or name) for t, name in zip(tags, guessed, strict=True)]


def test_the_organisations_an_import_finds_become_known_customers(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path, workspace: int
) -> None:
    first = [
        message(W3, "Maison Vernier attend toujours sa livraison", "U1", reactions=("gem",)),
        message(W3 + timedelta(hours=1), "Le concurrent Kelvio casse les prix", "U2", reactions=("gem",)),
    ]
    code, out, _ = _run(database_url, write_export(tmp_path / "a.zip", {FEEDBACK: first}), GuessingTagger())
    assert code == 0 and "Maison Vernier" in out and "Kelvio" in out
    with sessions() as session:
        known = workspace_orgs(session, "T1", KnownOrgs())
    assert "Maison Vernier" in known.customers and "Kelvio" in known.competitors
    # The next import (and the live tagging worker, which reads the same list) knows them from the start.
    later = [*first, message(W0, "Maison Vernier veut un devis", "U3", reactions=("gem",))]
    tagger = StubTagger()
    code, _, _ = _run(database_url, write_export(tmp_path / "b.zip", {FEEDBACK: later}), tagger)
    assert code == 0 and tagger.tagged == ["Maison Vernier veut un devis"]
    assert "Maison Vernier" in tagger.known[0].customers and "Kelvio" in tagger.known[0].competitors
    assert [r.subject for r in _insights(sessions) if "devis" in r.text] == ["Maison Vernier"]
    # A person's word wins over what the import found.
    with sessions.begin() as session:
        insight = session.scalars(select(Insight).where(Insight.text.like("Maison Vernier attend%"))).one()
        set_signal(session, insight, "competitor", "Maison Vernier")
    with sessions() as session:
        known = workspace_orgs(session, "T1", KnownOrgs())
    assert "Maison Vernier" in known.competitors and "Maison Vernier" not in known.customers


def test_a_batch_is_stored_as_capture_then_tagging_would_store_it(
    sessions: sessionmaker[Session], workspace: int
) -> None:
    text = "Le VPN tombe encore chez Biocoop"
    tags = stub_tags(text, KnownOrgs(customers=("Biocoop",)))
    live = InsightDraft(
        "T1", "message:T1:C1:1.000000", text, "import", "hash", reporter_id="U1", author_id="U1",
        channel_id="C1", channel_name="retours-clients", message_ts="1.000000", created_at=W3,
    )  # fmt: skip
    imported = replace(live, idempotency_key="message:T1:C1:2.000000", message_ts="2.000000")
    with sessions.begin() as session:
        insight, _ = add_insight(session, live)
        store_tags(session, insight.id, tags)
        stored = add_tagged(session, workspace, [(imported, tags), (replace(live, text="changed"), tags)])
    assert list(stored) == [imported.idempotency_key]  # the one stored already is left as it was
    rows = {r.idempotency_key: r for r in _insights(sessions)}
    assert rows[live.idempotency_key].text == text

    def columns(row: Insight) -> dict[str, object]:
        skip = {"id", "idempotency_key", "message_ts", "tagged_at"}
        return {c.key: getattr(row, c.key) for c in Insight.__table__.columns if c.key not in skip}

    assert columns(rows[imported.idempotency_key]) == columns(rows[live.idempotency_key])
    assert rows[imported.idempotency_key].subject == "Biocoop" and rows[imported.idempotency_key].tagged_at
