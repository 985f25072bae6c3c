"""The event inbox: an event stored once however often Slack delivers it, claimed by one process at a time,
taken over once its claim is stale, given up after a few failed runs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from models.events import MAX_ATTEMPTS, claim, fail, finish, prune, record, release, unfinished

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
STALE = timedelta(seconds=60)
EVENT = {"type": "reaction_added", "user": "U1", "reaction": "gem", "item": {"type": "message", "channel": "C1"}}


def _record(sessions: sessionmaker[Session], event_id: str = "Ev1", team: str = "T1") -> bool:
    with sessions.begin() as session:
        return record(session, team, event_id, "reaction_added", EVENT, {"team_id": team, "bot_user_id": "UBOT"})


def _claim(sessions: sessionmaker[Session], now: datetime = NOW, limit: int = 10) -> list[int]:
    with sessions.begin() as session:
        return [c.id for c in claim(session, limit, STALE, now)]


def test_an_event_delivered_three_times_is_stored_once_per_workspace(sessions: sessionmaker[Session]) -> None:
    assert _record(sessions) is True
    assert _record(sessions) is False
    assert _record(sessions) is False
    assert _record(sessions, team="T2") is True  # another workspace's event with the same id
    with sessions.begin() as session:
        assert unfinished(session) == 2
        (claimed,) = claim(session, 1, STALE, NOW)
    assert claimed.event == EVENT and claimed.context["bot_user_id"] == "UBOT" and claimed.attempts == 1


def test_a_claimed_event_is_not_claimed_again_until_stale_then_once(sessions: sessionmaker[Session]) -> None:
    _record(sessions)
    (first,) = _claim(sessions)
    assert _claim(sessions) == []
    assert _claim(sessions, NOW + STALE - timedelta(seconds=1)) == []
    assert _claim(sessions, NOW + STALE + timedelta(seconds=1)) == [first]  # its process died
    assert _claim(sessions, NOW + STALE + timedelta(seconds=2)) == []


def test_a_finished_event_is_never_claimed_and_is_pruned_later(sessions: sessionmaker[Session]) -> None:
    _record(sessions)
    (first,) = _claim(sessions)
    with sessions.begin() as session:
        finish(session, first, NOW)
    assert _claim(sessions, NOW + timedelta(days=1)) == []
    with sessions.begin() as session:
        assert unfinished(session) == 0
        assert prune(session, NOW - timedelta(seconds=1)) == 0
        assert prune(session, NOW + timedelta(seconds=1)) == 1


def test_a_failed_event_is_retried_once_stale_and_given_up_after_the_last_attempt(
    sessions: sessionmaker[Session],
) -> None:
    _record(sessions)
    now = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert len(_claim(sessions, now)) == 1, attempt
        with sessions.begin() as session:
            given_up = fail(session, 1, "SlackApiError: ratelimited", now)
        assert given_up is (attempt == MAX_ATTEMPTS)
        assert _claim(sessions, now + timedelta(seconds=1)) == []  # not at once: after the claim is stale
        now += STALE + timedelta(seconds=1)
    assert _claim(sessions, now + timedelta(days=1)) == []


def test_released_events_are_claimed_again_at_once(sessions: sessionmaker[Session]) -> None:
    _record(sessions, "Ev1")
    _record(sessions, "Ev2")
    claimed = _claim(sessions)
    with sessions.begin() as session:
        release(session, claimed)
    assert _claim(sessions) == claimed


def test_processes_claiming_at_once_never_take_one_event_twice(sessions: sessionmaker[Session]) -> None:
    for n in range(40):
        _record(sessions, f"Ev{n}")
    taken: list[list[int]] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        mine: list[int] = []
        barrier.wait()
        while True:
            got = _claim(sessions, limit=3)
            if not got:
                break
            mine.extend(got)
        taken.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    every = [i for mine in taken for i in mine]
    assert sorted(every) == sorted(set(every)) and len(every) == 40
