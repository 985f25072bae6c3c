"""Each process keeps the last theme catalogue it replayed per workspace (a digest replayed the whole log on every
build): replicas still see each other's committed changes at once, and nobody sees a change that was rolled back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from insights.themes.catalogue import Catalogue, Event, Founded, Hidden, Joined, Merged, Renamed, Undone, extended
from insights.themes.catalogue import replay as replay_log
from models.db import make_engine, make_sessions
from models.themes import catalogue_of, load_log, record
from models.workspaces import ensure_workspace


@pytest.fixture
def replica(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A second process's sessions on the same database (its own engine, so its own cache)."""
    engine: Engine = make_engine(database_url)
    yield make_sessions(engine)
    engine.dispose()


def _shown(cat: Catalogue) -> dict[str, tuple[str, bool, tuple[str, ...]]]:
    return {t.id: (t.shown_label, t.hidden, tuple(sorted(t.members))) for t in cat.active_themes()}


def _founded(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        workspace = ensure_workspace(session, "T1").id
        record(
            session,
            workspace,
            catalogue_of(session, workspace),
            [
                Founded(seq=1, theme_id="th-vpn", label="vpn, coupure", members=("a1", "a2"), week="2026-W47"),
                Founded(seq=2, theme_id="th-frais", label="note de frais", members=("b1", "b2"), week="2026-W47"),
            ],
        )
        return workspace


def test_a_replica_sees_another_replicas_rename_at_once(
    sessions: sessionmaker[Session], replica: sessionmaker[Session]
) -> None:
    workspace = _founded(sessions)
    with replica.begin() as session:
        assert _shown(catalogue_of(session, workspace))["th-vpn"][0] == "vpn, coupure"  # now cached there
    with sessions.begin() as session:
        cat = catalogue_of(session, workspace)
        record(session, workspace, cat, [Renamed(seq=3, by="U1", theme_id="th-vpn", label="VPN à la maison")])
        record(
            session, workspace, catalogue_of(session, workspace), [Joined(seq=4, insight_id="a3", theme_id="th-vpn")]
        )
    with replica.begin() as session:
        seen = catalogue_of(session, workspace)
        assert _shown(seen)["th-vpn"] == ("VPN à la maison", False, ("a1", "a2", "a3"))
        assert _shown(seen) == _shown(replay_log(load_log(session, workspace)))


def test_a_rolled_back_change_is_never_shown_even_when_another_takes_its_place(
    sessions: sessionmaker[Session], replica: sessionmaker[Session]
) -> None:
    workspace = _founded(sessions)
    with sessions() as session:  # hidden, read back inside the transaction, then rolled back
        record(session, workspace, catalogue_of(session, workspace), [Hidden(seq=3, by="U1", theme_id="th-frais")])
        assert _shown(catalogue_of(session, workspace))["th-frais"][1] is True
        session.rollback()
    with sessions.begin() as session:
        assert _shown(catalogue_of(session, workspace))["th-frais"][1] is False
    with replica.begin() as session:  # the same step taken by another replica, committed
        record(
            session,
            workspace,
            catalogue_of(session, workspace),
            [Renamed(seq=3, by="U2", theme_id="th-frais", label="frais")],
        )
    with sessions.begin() as session:
        assert _shown(catalogue_of(session, workspace))["th-frais"] == ("frais", False, ("b1", "b2"))


def test_an_extended_catalogue_is_the_replayed_log() -> None:
    log: list[Event] = [
        Founded(seq=1, theme_id="t1", label="un", members=("1", "2"), week="W1"),
        Founded(seq=2, theme_id="t2", label="deux", members=("3", "4"), week="W1"),
        Joined(seq=3, insight_id="5", theme_id="t1", week="W2"),
        Undone(seq=4, target=3),
    ]
    later: list[list[Event]] = [
        [Merged(seq=5, theme_id="t1", other_id="t2"), Joined(seq=6, insight_id="6", theme_id="t2", week="W2")],
        [Undone(seq=7, target=5)],
        [Renamed(seq=8, theme_id="t2", label="Deux"), Hidden(seq=9, theme_id="t1")],
    ]
    cat = replay_log(log)
    for events in later:
        log += events
        cat = extended(cat, events)
        assert _shown(cat) == _shown(replay_log(log))
        assert cat.theme_of == replay_log(log).theme_of
    assert _shown(cat) != _shown(replay_log(log[:4]))  # the steps did change something
