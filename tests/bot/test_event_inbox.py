"""The event inbox's worker: events recorded by the listener (the 2xx follows at once) are run once after it, by
the worker woken at once, resumed at the next start, taken over from a process that died, retried after a
failure, and drained on a graceful stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest.mock import Mock

import pytest
from slack_bolt import BoltContext
from sqlalchemy import select

from bot.jobs.inbox import EventInbox
from bot.listeners import messages, reactions
from bot.services import Services
from models.events import claim
from models.schema import Insight, SlackEvent
from tests.support.fake_slack import FakeSlack

TEAM, CHANNEL, TS = "T1", "C0VENTES01", "1700000001.000100"
TEXT = "Le client Biocoop attend toujours son devis signé."


@pytest.fixture
def inboxes(services: Services, web_client: Mock) -> Iterator[list[EventInbox]]:
    """Inboxes built as ``build_runtime`` builds one, with the listeners' flows and the mocked client; stopped."""
    made: list[EventInbox] = []
    yield made
    for inbox in made:
        inbox.stop(timeout=5)


def _inbox(
    services: Services, web_client: Mock, made: list[EventInbox], reclaim: float = 60, sweep: float = 30
) -> EventInbox:
    inbox = EventInbox(services.sessions, lambda team: web_client, reclaim_seconds=reclaim, sweep_seconds=sweep)
    wired = replace(services, inbox=inbox)
    for surface in (reactions, messages):
        surface.register(Mock(), wired)
    made.append(inbox)
    return inbox


def _gem(event_id: str = "Ev1", user: str = "U0EMMA001") -> tuple[dict[str, Any], dict[str, Any], BoltContext]:
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": "gem",
        "item_user": "UAUTHOR",
        "item": {"type": "message", "channel": CHANNEL, "ts": TS},
    }
    body = {"team_id": TEAM, "event_id": event_id, "event": event}
    return body, event, BoltContext(team_id=TEAM, bot_id="BBOT", bot_user_id="UBOT")


def _record(inbox: EventInbox, event_id: str = "Ev1", user: str = "U0EMMA001") -> None:
    body, event, context = _gem(event_id, user)
    inbox.listener(body=body, event=event, context=context)


def _insights(services: Services) -> list[Insight]:
    with services.sessions.begin() as session:
        return list(session.scalars(select(Insight)))


def _rows(services: Services) -> list[SlackEvent]:
    with services.sessions.begin() as session:
        return list(session.scalars(select(SlackEvent).order_by(SlackEvent.id)))


def _dms(slack: FakeSlack, user: str) -> int:
    return sum(1 for call in slack.calls("chat.postMessage") if call.params.get("channel") == user)


@pytest.fixture(autouse=True)
def _message(slack_state: FakeSlack) -> None:
    slack_state.messages[(CHANNEL, TS)] = {"type": "message", "user": "UAUTHOR", "text": TEXT, "ts": TS}


def test_the_listener_only_records_and_the_worker_runs_the_capture_once(
    services: Services, web_client: Mock, slack_state: FakeSlack, inboxes: list[EventInbox]
) -> None:
    inbox = _inbox(services, web_client, inboxes)
    for _ in range(3):  # Slack's redeliveries of one event
        _record(inbox)
    assert _insights(services) == [] and slack_state.calls("reactions.get") == []  # nothing on the ack path
    assert len(_rows(services)) == 1
    inbox.start()
    assert inbox.wait_idle(10)
    [insight] = _insights(services)
    assert insight.text == TEXT and insight.source == "reaction"
    assert _dms(slack_state, "U0EMMA001") == 1 and len(slack_state.calls("reactions.get")) == 1
    [row] = _rows(services)
    assert row.done_at is not None and row.attempts == 1 and row.last_error is None
    _record(inbox)  # a late redelivery of an event already run
    assert inbox.wait_idle(5)
    assert len(slack_state.calls("reactions.get")) == 1


def test_the_worker_is_woken_by_a_record_not_by_its_sweep(
    services: Services, web_client: Mock, slack_state: FakeSlack, inboxes: list[EventInbox]
) -> None:
    inbox = _inbox(services, web_client, inboxes, sweep=60)
    inbox.start()
    time.sleep(0.2)  # the first sweep found nothing; the next is a minute away
    started = time.monotonic()
    _record(inbox)
    while not _insights(services):
        assert time.monotonic() - started < 3, "the recorded event waited for the sweep"
        time.sleep(0.02)


def test_events_left_by_a_stopped_process_are_run_at_the_next_start_and_a_dead_ones_claim_is_taken_over(
    services: Services, web_client: Mock, slack_state: FakeSlack, inboxes: list[EventInbox]
) -> None:
    dead = _inbox(services, web_client, inboxes, reclaim=0.5)
    _record(dead, "Ev1", "UREP1")
    _record(dead, "Ev2", "UREP2")
    with services.sessions.begin() as session:  # the process claims Ev1 and dies before running it
        assert [c.event_id for c in claim(session, 1, timedelta(seconds=0.5))] == ["Ev1"]
    second = _inbox(services, web_client, inboxes, reclaim=0.5, sweep=0.1)
    second.start()
    deadline = time.monotonic() + 5
    while len(_insights(services)) < 1:  # Ev2 at once (never claimed)
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert second.wait_idle(5)
    time.sleep(0.8)  # Ev1's claim goes stale and the sweep takes it over
    assert second.wait_idle(5)
    rows = _rows(services)
    assert all(row.done_at is not None for row in rows), [(r.event_id, r.claimed_at, r.done_at) for r in rows]
    assert [row.attempts for row in rows] == [2, 1]
    assert len(_insights(services)) == 1  # one message, two reporters' gems: one insight
    assert _dms(slack_state, "UREP1") + _dms(slack_state, "UREP2") == 1


def test_a_flow_that_raises_is_kept_with_its_error_and_run_again_once_stale(
    services: Services, web_client: Mock, slack_state: FakeSlack, inboxes: list[EventInbox]
) -> None:
    inbox = _inbox(services, web_client, inboxes, reclaim=0.3, sweep=0.1)
    calls: list[str] = []

    def flaky(event: dict[str, Any], context: BoltContext, client: Mock) -> None:
        calls.append(str(event["reaction"]))
        if len(calls) == 1:
            raise RuntimeError("the database went away")

    inbox.on("reaction_added", flaky)
    _record(inbox)
    inbox.start()
    deadline = time.monotonic() + 5
    while len(calls) < 1:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.05)
    [row] = _rows(services)
    assert row.done_at is None and row.last_error == "RuntimeError" and row.attempts == 1
    while len(calls) < 2:
        assert time.monotonic() < deadline, "a failed event was never tried again"
        time.sleep(0.02)
    time.sleep(0.1)
    [row] = _rows(services)
    assert row.done_at is not None and row.attempts == 2 and calls == ["gem", "gem"]


def test_a_stop_finishes_the_events_being_run_and_leaves_the_rest_stored(
    services: Services, web_client: Mock, slack_state: FakeSlack, inboxes: list[EventInbox]
) -> None:
    release, running = threading.Event(), threading.Event()

    def slow(event: dict[str, Any], context: BoltContext, client: Mock) -> None:
        running.set()
        release.wait(5)

    inbox = EventInbox(services.sessions, lambda team: web_client, threads=1, sweep_seconds=30)
    inbox.on("reaction_added", slow)
    inboxes.append(inbox)
    _record(inbox, "Ev1")
    _record(inbox, "Ev2")
    inbox.start()
    assert running.wait(5)
    threading.Timer(0.3, release.set).start()
    assert inbox.stop(timeout=5) is True
    first, second = _rows(services)
    assert first.done_at is not None and second.done_at is None and inbox.unfinished() == 1


def test_an_edit_and_a_deletion_are_run_by_the_worker(
    services: Services, web_client: Mock, slack_state: FakeSlack, inboxes: list[EventInbox]
) -> None:
    inbox = _inbox(services, web_client, inboxes)
    inbox.start()
    _record(inbox)
    assert inbox.wait_idle(10)
    context = BoltContext(team_id=TEAM, bot_id="BBOT", bot_user_id="UBOT")
    deleted = {"type": "message", "subtype": "message_deleted", "channel": CHANNEL, "deleted_ts": TS}
    inbox.listener(body={"team_id": TEAM, "event_id": "EvDel"}, event=deleted, context=context)
    assert inbox.wait_idle(10)
    [insight] = _insights(services)
    assert insight.text != TEXT
    assert [row.type for row in _rows(services)] == ["reaction_added", "message_deleted"]
