"""Claiming a digest: one claim per (workspace, period), retried after a failure, never after a post."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.digests import MAX_ATTEMPTS, RETRY_AFTER, claim_digest, finish_digest
from models.schema import DigestRun
from models.workspaces import ensure_workspace

NOW = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
WEEK = date(2026, 11, 16)


def _workspace(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        return ensure_workspace(session, "T1").id


def _claim(sessions: sessionmaker[Session], workspace_id: int, now: datetime = NOW) -> int | None:
    with sessions.begin() as session:
        run = claim_digest(session, workspace_id, WEEK, now)
        return run.id if run is not None else None


def test_a_period_is_claimed_once(sessions: sessionmaker[Session]) -> None:
    workspace_id = _workspace(sessions)
    assert _claim(sessions, workspace_id) is not None
    assert _claim(sessions, workspace_id) is None
    assert _claim(sessions, workspace_id, NOW + RETRY_AFTER - timedelta(seconds=1)) is None


def test_a_claim_left_by_a_process_that_died_is_taken_over_once(sessions: sessionmaker[Session]) -> None:
    workspace_id = _workspace(sessions)
    first = _claim(sessions, workspace_id)
    assert first is not None  # …and its process dies before recording the post
    assert _claim(sessions, workspace_id, NOW + RETRY_AFTER) == first
    assert _claim(sessions, workspace_id, NOW + RETRY_AFTER) is None


def test_a_posted_digest_is_never_claimed_again(sessions: sessionmaker[Session]) -> None:
    workspace_id = _workspace(sessions)
    run_id = _claim(sessions, workspace_id)
    assert run_id is not None
    with sessions.begin() as session:
        finish_digest(session, run_id, NOW, message_ts="1.2")
    assert _claim(sessions, workspace_id, NOW + RETRY_AFTER * 10) is None
    with sessions.begin() as session:
        run = session.get(DigestRun, run_id)
        assert run is not None and run.status == "posted" and run.message_ts == "1.2"


def test_a_failed_digest_is_retried_after_a_while_a_few_times(sessions: sessionmaker[Session]) -> None:
    workspace_id = _workspace(sessions)
    moment = NOW
    run_id = _claim(sessions, workspace_id, moment)
    assert run_id is not None
    for attempt in range(2, MAX_ATTEMPTS + 1):
        with sessions.begin() as session:
            finish_digest(session, run_id, moment, error="channel_not_found")
        assert _claim(sessions, workspace_id, moment + RETRY_AFTER / 2) is None  # too soon
        moment += RETRY_AFTER
        assert _claim(sessions, workspace_id, moment) == run_id
        with sessions.begin() as session:
            run = session.get(DigestRun, run_id)
            assert run is not None and run.attempts == attempt
    with sessions.begin() as session:
        finish_digest(session, run_id, moment, error="channel_not_found")
    assert _claim(sessions, workspace_id, moment + RETRY_AFTER * 2) is None  # gave up after MAX_ATTEMPTS


def test_racing_claims_give_one_winner(sessions: sessionmaker[Session]) -> None:
    workspace_id = _workspace(sessions)
    results: list[int | None] = []
    barrier = threading.Barrier(6)

    def claim() -> None:
        barrier.wait()
        results.append(_claim(sessions, workspace_id))

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([r for r in results if r is not None]) == 1
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(DigestRun)) == 1
