"""Repository functions on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from insights.types import Entity, Tags
from models.insights import (
    InsightDraft,
    add_insight,
    delete_insight,
    get_insight,
    kind_corrections,
    make_anonymous,
    people_said_orgs,
    reporter_insights,
    save_tags,
    set_kind,
    set_signal,
    untagged_insight_ids,
)
from models.privacy import ReporterVault, export_rows
from models.schema import Insight, StatusChange, Workspace
from models.status import record_status
from models.workspaces import ensure_workspace

VAULT = ReporterVault("a test secret that is long enough")


def draft(
    key: str,
    text: str = "Le VPN est encore tombé ce matin.",
    *,
    team: str = "T1",
    user: str = "U1",
    anonymous: bool = False,
    **extra: object,
) -> InsightDraft:
    return InsightDraft(
        team_id=team,
        idempotency_key=key,
        text=text,
        source="command",
        reporter_hash=VAULT.hash(team, user),
        reporter_id=None if anonymous else user,
        reporter_sealed=VAULT.seal(team, user) if anonymous else None,
        anonymous=anonymous,
        **extra,  # type: ignore[arg-type]
    )


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions.begin() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_repository_same_key_twice_stores_one_insight(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first, created_first = add_insight(session, draft("k1"))
    with sessions.begin() as session:
        second, created_second = add_insight(session, draft("k1", "another text"))
    assert (created_first, created_second) == (True, False)
    assert first.id == second.id
    assert second.text == "Le VPN est encore tombé ce matin."
    assert count(sessions, Insight) == 1


def test_repository_concurrent_deliveries_store_one_insight(sessions: sessionmaker[Session]) -> None:
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def deliver() -> None:
        try:
            barrier.wait()
            with sessions.begin() as session:
                results.append(add_insight(session, draft("same-event", team="TNEW"))[1])
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False] * 5 + [True]
    assert count(sessions, Insight) == 1
    assert count(sessions, Workspace) == 1


def test_repository_workspace_scoping(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        insight, _ = add_insight(session, draft("k-a", team="TA"))
        ensure_workspace(session, "TB")
        assert get_insight(session, "TA", insight.id) is not None
        assert get_insight(session, "TB", insight.id) is None


def test_repository_reporter_finds_own_anonymous_insights(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_insight(session, draft("k1", user="U1", anonymous=True))
        add_insight(session, draft("k2", user="U1"))
        add_insight(session, draft("k3", user="U2"))
    with sessions.begin() as session:
        mine = reporter_insights(session, "T1", VAULT.hash("T1", "U1"))
        assert sorted(i.idempotency_key for i in mine) == ["k1", "k2"]
        anonymous = next(i for i in mine if i.anonymous)
        assert anonymous.reporter_id is None
        assert "U1" not in (anonymous.reporter_sealed or "") and "U1" not in anonymous.reporter_hash
        assert VAULT.unseal(anonymous.reporter_sealed or "") == ("T1", "U1")


def test_repository_tags_saved_but_person_kind_kept(sessions: sessionmaker[Session]) -> None:
    tags = Tags(
        lang="fr",
        kind="problem",
        kind_confidence=0.8,
        signal="at_risk",
        subject="Biocoop",
        entities=(Entity("Biocoop", "ORG"),),
        keywords=("vpn", "panne"),
    )
    with sessions.begin() as session:
        chosen, _ = add_insight(session, draft("k1", kind="idea"))
        plain, _ = add_insight(session, draft("k2"))
        assert sorted(untagged_insight_ids(session)) == sorted([chosen.id, plain.id])
        save_tags(session, chosen, tags)
        save_tags(session, plain, tags)
    with sessions.begin() as session:
        chosen_row = session.get(Insight, chosen.id)
        plain_row = session.get(Insight, plain.id)
        assert chosen_row is not None and plain_row is not None
        assert (chosen_row.kind, chosen_row.kind_set_by) == ("idea", "person")
        assert (plain_row.kind, plain_row.kind_set_by, plain_row.kind_confidence) == ("problem", "model", 0.8)
        assert plain_row.entities == [{"text": "Biocoop", "label": "ORG"}]
        assert plain_row.keywords == ["vpn", "panne"]
        assert untagged_insight_ids(session) == []
        # A subject the tagger guessed is not a known organisation until a person says so.
        assert people_said_orgs(session, "T1") == []
        set_signal(session, chosen_row, "competitor", "Logistar")
        save_tags(session, chosen_row, tags)  # tagged again: the person's signal and subject stay
        assert (chosen_row.signal, chosen_row.subject, chosen_row.signal_set_by) == ("competitor", "Logistar", "person")
        assert people_said_orgs(session, "T1") == [("Logistar", "competitor")]
        assert people_said_orgs(session, "T2") == []


def test_repository_kind_corrections_are_training_examples(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        insight, _ = add_insight(session, draft("k1", "On pourrait filmer les formations."))
        add_insight(session, draft("k2"))
        set_kind(session, insight, "idea")
    with sessions.begin() as session:
        assert kind_corrections(session) == [("On pourrait filmer les formations.", "idea")]


def test_repository_make_anonymous_forgets_reporter(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        insight, _ = add_insight(session, draft("k1"))
        make_anonymous(session, insight, VAULT.seal("T1", "U1"))
    with sessions.begin() as session:
        rows = list(export_rows(session, "T1"))
        stored = session.get(Insight, insight.id)
        assert stored is not None and stored.reporter_id is None and stored.anonymous
    assert rows[0]["reporter"] == "anonymous"
    assert "U1" not in repr(rows)


def test_repository_delete_removes_status_log(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        insight, _ = add_insight(session, draft("k1"))
        record_status(session, insight, "acknowledged", by="UMANAGER", note="on it")
    assert count(sessions, StatusChange) == 1
    with sessions.begin() as session:
        stored = session.get(Insight, insight.id)
        assert stored is not None and stored.status == "acknowledged"
        delete_insight(session, stored)
    assert count(sessions, Insight) == 0
    assert count(sessions, StatusChange) == 0


def test_repository_datetimes_are_utc(sessions: sessionmaker[Session]) -> None:
    when = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with sessions.begin() as session:
        add_insight(session, draft("k1", created_at=when))
        add_insight(session, draft("k2", created_at=when + timedelta(hours=1)))
    with sessions.begin() as session:
        latest = reporter_insights(session, "T1", VAULT.hash("T1", "U1"))
        assert [i.idempotency_key for i in latest] == ["k2", "k1"]
        assert latest[1].created_at == when


def test_repository_naive_datetime_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        with sessions.begin() as session:
            add_insight(session, draft("k1", created_at=datetime(2026, 1, 1)))
