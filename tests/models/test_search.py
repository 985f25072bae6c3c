"""``/insight search``: every word, accents, case and ligatures ignored, one workspace only (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from models.insights import InsightDraft, add_insight
from models.search import fold, search_insights, search_words

TEXTS = [
    "Réunion d'équipe annulée : la salle était prise.",
    "The REUNION dinner with Biocoop went well.",
    "Le cœur du problème : les livraisons arrivent en retard chez Biocoop.",
    "Delivery 100% late again; 50_percent of boxes damaged.",
]


def _store(sessions: sessionmaker[Session], team: str, texts: list[str]) -> list[int]:
    ids = []
    with sessions.begin() as session:
        for n, text in enumerate(texts):
            draft = InsightDraft(team, f"k:{team}:{n}", text, "command", reporter_hash="h", reporter_id="U1")
            ids.append(add_insight(session, draft)[0].id)
    return ids


def test_fold_drops_accents_case_ligatures_and_punctuation() -> None:
    assert fold("Réunion d'ÉQUIPE, cœur!") == " reunion d equipe coeur "
    assert search_words("  Réunion réunion   COEUR ") == ["reunion", "coeur"]
    assert search_words("!!! ...") == []


def test_search_is_accent_insensitive_and_needs_every_word(sessions: sessionmaker[Session]) -> None:
    first, second, third, fourth = _store(sessions, "T1", TEXTS)

    def found(query: str) -> set[int]:
        with sessions.begin() as session:
            return {i.id for i in search_insights(session, "T1", query)}

    assert found("reunion") == {first, second}
    assert found("RÉUNION annulee") == {first}
    assert found("coeur biocoop") == {third}
    assert found("livr") == {third}  # a word's start finds the word
    assert found("biocoop") == {second, third}
    assert found("100%") == {fourth}
    assert found("50 percent") == {fourth}
    assert found("nothing here") == set()


@pytest.mark.parametrize("query", ["%", "_", "\\"])
def test_wildcards_alone_find_nothing(sessions: sessionmaker[Session], query: str) -> None:
    _store(sessions, "T1", TEXTS)
    with sessions.begin() as session:
        assert search_insights(session, "T1", query) == []


def test_search_never_crosses_workspaces(sessions: sessionmaker[Session]) -> None:
    _store(sessions, "T1", TEXTS)
    (other,) = _store(sessions, "T2", ["Réunion chez Biocoop"])
    with sessions.begin() as session:
        assert [i.id for i in search_insights(session, "T2", "reunion")] == [other]
        assert all(i.workspace.team_id == "T1" for i in search_insights(session, "T1", "reunion"))
