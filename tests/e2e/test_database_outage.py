"""Database faults: the app runs on a private PostgreSQL cluster that the test stops and starts under it.

During the outage a slash command gets a clear answer with the person's text back, an event gets 503 (so
Slack redelivers it) and nothing is stored; after it the same process works again without a restart, the
redelivered event is stored once, and a digest that fell due during the outage is posted exactly once.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.digest import due_period
from bot.i18n import t
from bot.jobs.tagger_process import SubprocessTagger
from bot.slack.db_guard import RECHECK_SECONDS, DatabaseGuard, DatabaseProbe
from bot.workspace_config import WorkspaceConfig
from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.schema import DigestRun
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.helpers import stored
from tests.support.fake_slack import FakeSlack
from tests.support.pg_cluster import PostgresCluster, unavailable_reason
from tests.support.seed import make_workspace, seed_week
from tests.support.slack_requests import command_form, encode_form, event_envelope, reaction_event, slack_message

TEAM = "T0OUTAGE"
CHANNEL = "C1"
DIGEST = "C0DIGEST"
MONDAY = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)  # just after the default digest time (Monday 09:00, Paris)
PERIOD = due_period(MONDAY, WorkspaceConfig())
TIMEOUT = 20.0
TEMPLATE = "pepites_template"


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL of our own, which the tests may stop (the shared server is never touched)."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"cannot start a private PostgreSQL: {reason}")
    cluster = PostgresCluster.create()
    try:
        cluster.start()
        upgrade(cluster.create_database(TEMPLATE))
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def database_url(cluster: PostgresCluster) -> str:
    """A fresh migrated database per test, copied from the module's template, on a running cluster."""
    if not cluster.running:
        cluster.start()
    return cluster.create_database(f"pepites_{uuid.uuid4().hex[:8]}", template=TEMPLATE)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield make_sessions(engine)
    engine.dispose()


@pytest.fixture
def outage(cluster: PostgresCluster) -> Iterator[PostgresCluster]:
    """The cluster, started again after the test whatever happened."""
    yield cluster
    if not cluster.running:
        cluster.start()


def _until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _stop(app: Pepites) -> None:
    app.server.stop()
    app.runtime.stop()


def _dms(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls("chat.postMessage") if c.params.get("channel") == user]


def _texts(sessions: sessionmaker[Session]) -> list[str]:
    return sorted(insight.text for insight in stored(sessions))


def test_captures_during_an_outage_are_answered_and_the_retried_event_is_stored_once(
    database_url: str, outage: PostgresCluster, fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    before_ts, during_ts = "1700000100.000100", "1700000200.000200"
    fake_slack.messages[(CHANNEL, before_ts)] = slack_message("Le badge du parking ne marche plus.", ts=before_ts)
    fake_slack.messages[(CHANNEL, during_ts)] = slack_message("La climatisation du 3e fuit encore.", ts=during_ts)
    during = reaction_event("gem", user="U4", item_channel=CHANNEL, item_ts=during_ts, item_user="U2")
    app = start_pepites(database_url, fake_slack, shared_tagger)
    lang = app.runtime.settings.language
    try:
        # Before: both paths store.
        answer = app.slack.command("Les clients demandent une facture mensuelle.", team_id=TEAM)
        assert answer.status == 200 and t(lang, "store_failed") not in answer.text
        reacted = reaction_event("gem", user="U3", item_channel=CHANNEL, item_ts=before_ts, item_user="U2")
        assert app.slack.event(reacted, team_id=TEAM).status == 200
        _until(lambda: len(_dms(fake_slack, "U3")) == 1, "the first reaction's confirmation")
        assert len(stored(app.sessions)) == 2
        looked_up = len(fake_slack.calls("reactions.get"))

        outage.stop()
        # During: the command is told to retry and gets its text back, fast; the event is refused with 503.
        started = time.monotonic()
        answer = app.slack.command("Le wifi de la salle Jaurès coupe toutes les heures.", team_id=TEAM)
        assert time.monotonic() - started < 3.0
        assert answer.status == 200
        body = answer.json()
        assert body["text"] == t(lang, "store_failed")
        assert "Le wifi de la salle Jaurès coupe toutes les heures." in json.dumps(body["blocks"], ensure_ascii=False)
        refused = app.slack.event(during, team_id=TEAM, event_id="EvOUTAGE01")
        assert refused.status == 503
        assert app.slack.event(during, team_id=TEAM, event_id="EvOUTAGE01", retry_num=1).status == 503
        assert len(fake_slack.calls("reactions.get")) == looked_up  # no listener ran
        assert _dms(fake_slack, "U4") == []

        outage.start()
        time.sleep(RECHECK_SECONDS + 0.1)  # the guard asks the database again after this long
        # After: Slack's next delivery of the refused event is stored; a late duplicate changes nothing.
        assert app.slack.event(during, team_id=TEAM, event_id="EvOUTAGE01", retry_num=2).status == 200
        _until(lambda: len(_dms(fake_slack, "U4")) == 1, "the retried reaction's confirmation")
        assert app.slack.event(during, team_id=TEAM, event_id="EvOUTAGE01", retry_num=3).status == 200
        answer = app.slack.command("Le parking visiteurs est plein dès 9 h.", team_id=TEAM)
        assert answer.status == 200 and t(lang, "store_failed") not in answer.text
        time.sleep(0.3)  # let the duplicate's listener finish before counting
    finally:
        _stop(app)
    assert _texts(app.sessions) == sorted(
        [
            "Les clients demandent une facture mensuelle.",
            "Le badge du parking ne marche plus.",
            "La climatisation du 3e fuit encore.",
            "Le parking visiteurs est plein dès 9 h.",
        ]
    )
    assert len(_dms(fake_slack, "U4")) == 1
    assert len(fake_slack.calls("reactions.get")) == looked_up + 1


def test_a_digest_due_during_an_outage_is_posted_once_after_it(
    database_url: str,
    sessions: sessionmaker[Session],
    outage: PostgresCluster,
    fake_slack: FakeSlack,
    shared_tagger: SubprocessTagger,
    caplog: pytest.LogCaptureFixture,
) -> None:
    workspace_id = make_workspace(sessions, TEAM, MONDAY - timedelta(days=30))
    seed_week(sessions, TEAM, PERIOD.start, 12)
    previous = due_period(PERIOD.start, WorkspaceConfig())
    with sessions.begin() as session:  # last week's digest went out
        session.add(
            DigestRun(
                workspace_id=workspace_id,
                period_start=previous.week,
                status="posted",
                claimed_at=PERIOD.start,
                attempts=1,
            )
        )
    now = [MONDAY - timedelta(days=1)]
    app = start_pepites(
        database_url,
        fake_slack,
        shared_tagger,
        schedule=True,
        clock=lambda: now[0],
        tick_seconds=0.1,
        PEPITES_DIGEST_CHANNEL=DIGEST,
    )
    scheduler = app.runtime.scheduler
    assert scheduler is not None
    caplog.set_level(logging.ERROR, logger="bot.jobs.scheduler")
    try:
        _until(lambda: scheduler.ticks >= 2, "ticks before the outage")
        outage.stop()
        now[0] = MONDAY  # the digest falls due while the database is away
        _until(lambda: _failed_ticks(caplog) >= 3, "ticks during the outage")
        assert fake_slack.calls("chat.postMessage") == []
        outage.start()
        fake_slack.wait_for("files.completeUploadExternal", timeout=TIMEOUT)
        ticks = scheduler.ticks
        _until(lambda: scheduler.ticks >= ticks + 5, "ticks after the digest")
    finally:
        _stop(app)
    posted = [c for c in fake_slack.calls("chat.postMessage") if c.params.get("channel") == DIGEST]
    assert len(posted) == 1
    with sessions.begin() as session:
        runs = sorted((r.period_start, r.status, r.attempts) for r in session.query(DigestRun))
    assert runs == [(previous.week, "posted", 1), (PERIOD.week, "posted", 1)]


def _failed_ticks(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for record in caplog.records if record.getMessage() == "the digest tick failed")


# The guard on its own: what it answers, and how seldom it asks.


class _Counting:
    """A session factory that counts how often the probe asks."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.asked = 0

    def __call__(self) -> Session:
        self.asked += 1
        return self.sessions()


def test_database_probe_reuses_its_verdict_until_it_is_stale_or_a_connection_fails(
    database_url: str, outage: PostgresCluster
) -> None:
    engine = make_engine(database_url)
    counting = _Counting(make_sessions(engine))
    clock = [100.0]
    probe = DatabaseProbe(counting, recheck=1.0, clock=lambda: clock[0])  # type: ignore[arg-type]
    probe.watch(engine)
    try:
        assert probe.answers() and probe.answers()
        assert counting.asked == 1
        outage.stop()
        assert probe.answers()  # the recent verdict…
        with pytest.raises(OperationalError), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert not probe.answers()  # …until some other part of the app fails to connect
        assert not probe.answers()
        assert counting.asked == 2
        outage.start()
        assert not probe.answers()  # the outage verdict, for a moment
        clock[0] += 1.0
        assert probe.answers()
        assert counting.asked == 3
    finally:
        engine.dispose()


class _Fixed(DatabaseProbe):
    def __init__(self, answer: bool) -> None:
        self.answer = answer

    def answers(self) -> bool:
        return self.answer


@pytest.mark.parametrize(
    ("body", "content_type", "database_answers", "status"),
    [
        (
            json.dumps(
                event_envelope(reaction_event("gem", user="U1", item_channel="C1", item_ts="1.2", item_user="U2"))
            ),
            "application/json",
            False,
            503,
        ),
        (
            json.dumps(
                event_envelope(reaction_event("gem", user="U1", item_channel="C1", item_ts="1.2", item_user="U2"))
            ),
            "application/json",
            True,
            None,
        ),
        (encode_form(command_form("du texte")).decode(), "application/x-www-form-urlencoded", False, None),
        (json.dumps({"type": "url_verification", "challenge": "abc", "token": "x"}), "application/json", False, None),
    ],
    ids=["event-down", "event-up", "command-down", "url-verification-down"],
)
def test_database_guard_refuses_only_events_while_the_database_is_away(
    body: str, content_type: str, database_answers: bool, status: int | None
) -> None:
    guard = DatabaseGuard(_Fixed(database_answers))
    request = BoltRequest(body=body, headers={"content-type": content_type, "x-slack-retry-num": "1"})
    went_on: list[bool] = []

    def next_() -> BoltResponse:
        went_on.append(True)
        return BoltResponse(status=200, body="")

    answer = guard.process(req=request, resp=BoltResponse(status=200, body=""), next=next_)
    if status is None:
        assert went_on == [True]
    else:
        assert went_on == [] and answer is not None and answer.status == status
