"""Slack faults from the fake Web API, end to end: the digest still reaches its channel exactly once, and a
capture stays stored and its reporter is told, whatever Slack answers (429, 5xx, time-outs, Slack errors).

Every test drives the real app over real HTTP on SQLite and PostgreSQL; the digest's scheduler runs on a
clock the test moves. Assertions read what a person would see (the messages the fake holds, the calls the
app made to Slack) and what the database keeps.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.digest import due_period
from bot.jobs.tagger_process import SubprocessTagger
from bot.workspace_config import WorkspaceConfig
from models.db import make_engine, make_sessions
from models.schema import DigestRun, Insight, Vote
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.helpers import blocks_text, stored
from tests.support.fake_slack import FakeSlack
from tests.support.seed import make_workspace, seed_week
from tests.support.slack_requests import (
    checkboxes_state,
    reaction_event,
    slack_message,
    static_select_state,
    text_input_state,
    view_submission_payload,
)

DIGEST = "C0DIGEST"
SALES = "C0SALES"
TEAM = "T0PEPITES"
MONDAY = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)  # 09:05 in Paris, just after the digest is due
LATER = MONDAY + timedelta(minutes=20)  # past the 15 minutes after which a failed run is claimed again
PERIOD = due_period(MONDAY, WorkspaceConfig())
FAST_TIMEOUT = {"PEPITES_SLACK_TIMEOUT": "1"}  # the app gives up on a Slack answer after 1 s
SLOW = 3.0  # seconds the fake takes to answer when it is told to be slow: longer than the app waits


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return make_sessions(make_engine(database_url))


class Clock:
    """The scheduler's clock; tests move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def scheduling(
    database_url: str, fake: FakeSlack, tagger: SubprocessTagger, clock: Clock, **env: str
) -> Iterator[Pepites]:
    app = start_pepites(
        database_url,
        fake,
        tagger,
        migrate=True,
        schedule=True,
        clock=clock,
        tick_seconds=0.1,
        PEPITES_DIGEST_CHANNEL=DIGEST,
        PEPITES_SALES_CHANNEL=SALES,
        **env,
    )
    try:
        yield app
    finally:
        app.server.stop()
        app.runtime.stop()


def seed(sessions: sessionmaker[Session]) -> None:
    make_workspace(sessions, TEAM, MONDAY - timedelta(days=30))
    seed_week(sessions, TEAM, PERIOD.start, 40)


def ticked(app: Pepites, at_least: int = 3) -> None:
    scheduler = app.runtime.scheduler
    assert scheduler is not None
    start = scheduler.ticks
    eventually(lambda: scheduler.ticks >= start + at_least, "the scheduler stopped ticking")


def eventually(condition: Callable[[], object], failure: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.05)


def run_of(sessions: sessionmaker[Session]) -> tuple[str, int, str | None, str | None]:
    """The week's digest run: status, attempts, Slack's error, the digest message's ts."""
    with sessions.begin() as session:
        [run] = session.scalars(select(DigestRun)).all()
        assert run.period_start == PERIOD.week
        return run.status, run.attempts, run.error, run.message_ts


def run_becomes(sessions: sessionmaker[Session], status: str) -> tuple[str, int, str | None, str | None]:
    def has_status() -> bool:
        with sessions.begin() as session:
            return session.scalar(select(DigestRun.status)) == status

    eventually(has_status, f"the digest run never became {status}")
    return run_of(sessions)


def in_channel(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    """The messages a person reading ``channel`` sees, oldest first."""
    return [message for (where, _), message in sorted(dict(fake.messages).items()) if where == channel]


def posts_to(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    """Every chat.postMessage the app sent to ``channel``, answered or not."""
    return [c.params for c in fake.calls("chat.postMessage") if c.params.get("channel") == channel]


def serve_history(monkeypatch: pytest.MonkeyPatch, fake: FakeSlack) -> None:
    """Let the fake answer conversations.history from the messages it holds, newest first, with metadata.

    The fake does not serve that method itself; here it reads the channel as Slack would, ignoring ``oldest``
    (the fake's message timestamps are not on the test's clock).
    """
    answer = fake.answer

    def answer_with_history(method: str, params: dict[str, Any], *rest: Any) -> dict[str, Any]:
        if method != "conversations.history":
            return answer(method, params, *rest)
        messages = sorted(in_channel(fake, str(params.get("channel"))), key=lambda m: m["ts"], reverse=True)
        return {"ok": True, "messages": messages[: int(params.get("limit") or 100)], "has_more": False}

    monkeypatch.setattr(fake, "answer", answer_with_history)


def assert_one_digest(fake: FakeSlack) -> dict[str, Any]:
    [digest] = in_channel(fake, DIGEST)
    assert "(40 pépites)" in digest["text"]
    return digest


# -- the digest ------------------------------------------------------------------------------------------


def test_digest_rate_limited_with_retry_after_is_posted_once(
    database_url: str, sessions: sessionmaker[Session], fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    seed(sessions)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    with scheduling(database_url, fake_slack, shared_tagger, Clock(MONDAY)) as app:
        fake_slack.wait_for("files.completeUploadExternal")
        ticked(app)
    digest = assert_one_digest(fake_slack)
    assert [c.status for c in fake_slack.calls("chat.postMessage") if c.params["channel"] == DIGEST] == [429, 200]
    assert run_of(sessions) == ("posted", 1, None, digest["ts"])


@pytest.mark.parametrize(
    ("status", "times", "attempts"),
    [
        (500, 1, 1),  # retried by the client at once
        (503, 2, 1),  # still within the client's two retries
        (503, 3, 2),  # beyond them: the run is recorded as failed and claimed again 15 minutes later
    ],
)
def test_digest_after_server_errors_is_posted_once(
    database_url: str,
    sessions: sessionmaker[Session],
    fake_slack: FakeSlack,
    shared_tagger: SubprocessTagger,
    status: int,
    times: int,
    attempts: int,
) -> None:
    seed(sessions)
    fake_slack.fail_next("chat.postMessage", status=status, times=times)
    clock = Clock(MONDAY)
    with scheduling(database_url, fake_slack, shared_tagger, clock) as app:
        if attempts > 1:
            assert run_becomes(sessions, "failed")[:3] == ("failed", 1, "service_unavailable")
            ticked(app)
            assert in_channel(fake_slack, DIGEST) == []
            clock.now = LATER
        fake_slack.wait_for("files.completeUploadExternal")
        clock.now = LATER + timedelta(hours=1)
        ticked(app)
    digest = assert_one_digest(fake_slack)
    assert len(posts_to(fake_slack, DIGEST)) == times + 1
    assert run_of(sessions) == ("posted", attempts, None, digest["ts"])
    [chart] = fake_slack.calls("files.completeUploadExternal")
    assert chart.params["thread_ts"] == digest["ts"]


def test_digest_whose_post_timed_out_is_found_in_the_channel_and_not_posted_again(
    database_url: str,
    sessions: sessionmaker[Session],
    fake_slack: FakeSlack,
    shared_tagger: SubprocessTagger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(sessions)
    serve_history(monkeypatch, fake_slack)
    fake_slack.fail_next("chat.postMessage", delay=SLOW)  # Slack posts it, but answers after the app gave up
    clock = Clock(MONDAY)
    with scheduling(database_url, fake_slack, shared_tagger, clock, **FAST_TIMEOUT) as app:
        assert run_becomes(sessions, "failed")[:3] == ("failed", 1, "timeout")
        eventually(lambda: in_channel(fake_slack, DIGEST), "the slow post never reached the channel")
        ticked(app)  # no blind retry while the outcome is unknown
        assert len(posts_to(fake_slack, DIGEST)) == 1
        clock.now = LATER  # the next claim looks in the channel before posting
        fake_slack.wait_for("files.completeUploadExternal")
        run_becomes(sessions, "posted")
        clock.now = LATER + timedelta(hours=1)
        ticked(app)
    digest = assert_one_digest(fake_slack)
    assert digest["metadata"] == {
        "event_type": "pepites_digest",
        "event_payload": {"period": PERIOD.week.isoformat(), "part": "digest"},
    }
    assert len(posts_to(fake_slack, DIGEST)) == 1  # posted once, never again
    assert run_of(sessions) == ("posted", 2, None, digest["ts"])
    [chart] = fake_slack.calls("files.completeUploadExternal")  # what the timed-out attempt never got to
    assert chart.params["thread_ts"] == digest["ts"]
    [sales] = in_channel(fake_slack, SALES)
    assert "Biocoop" in blocks_text(sales)


def test_digest_timed_out_without_the_history_scope_is_posted_again_rather_than_lost(
    database_url: str, sessions: sessionmaker[Session], fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    """A workspace that has not accepted the history scopes: the channel cannot be read, so a post with no answer
    is sent again."""
    seed(sessions)
    fake_slack.fail_next("conversations.history", error="missing_scope", times=10)
    fake_slack.fail_next("chat.postMessage", delay=SLOW)
    clock = Clock(MONDAY)
    with scheduling(database_url, fake_slack, shared_tagger, clock, **FAST_TIMEOUT) as app:
        run_becomes(sessions, "failed")
        eventually(lambda: in_channel(fake_slack, DIGEST), "the slow post never reached the channel")
        clock.now = LATER
        fake_slack.wait_for("files.completeUploadExternal")
        run_becomes(sessions, "posted")
        clock.now = LATER + timedelta(hours=1)
        ticked(app)
    first, second = in_channel(fake_slack, DIGEST)  # at least once: the price of not being able to look
    assert first["text"] == second["text"]
    assert run_of(sessions) == ("posted", 2, None, second["ts"])


def test_digest_bot_not_in_channel_joins_and_posts_once(
    database_url: str, sessions: sessionmaker[Session], fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    seed(sessions)
    fake_slack.fail_next("chat.postMessage", error="not_in_channel")
    with scheduling(database_url, fake_slack, shared_tagger, Clock(MONDAY)) as app:
        fake_slack.wait_for("files.completeUploadExternal")
        ticked(app)
    digest = assert_one_digest(fake_slack)
    [join] = fake_slack.calls("conversations.join")
    assert join.params["channel"] == DIGEST
    assert run_of(sessions) == ("posted", 1, None, digest["ts"])


def test_digest_channel_not_found_is_failed_then_posted_once_when_the_channel_exists(
    database_url: str, sessions: sessionmaker[Session], fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    seed(sessions)
    fake_slack.fail_next("chat.postMessage", error="channel_not_found")
    clock = Clock(MONDAY)
    with scheduling(database_url, fake_slack, shared_tagger, clock) as app:
        assert run_becomes(sessions, "failed") == ("failed", 1, "channel_not_found", None)
        clock.now = MONDAY + timedelta(minutes=10)  # not tried again before 15 minutes
        ticked(app)
        assert run_of(sessions)[:2] == ("failed", 1) and in_channel(fake_slack, DIGEST) == []
        clock.now = LATER  # someone created the channel meanwhile
        fake_slack.wait_for("files.completeUploadExternal")
        clock.now = LATER + timedelta(hours=1)
        ticked(app)
    digest = assert_one_digest(fake_slack)
    assert run_of(sessions) == ("posted", 2, None, digest["ts"])


@pytest.mark.parametrize(
    ("method", "fault", "chart_shown"),
    [
        ("files.getUploadURLExternal", {"status": 429, "retry_after": 1}, True),
        ("files.completeUploadExternal", {"status": 429, "retry_after": 1}, True),
        # Still rate limited after the client's 3 retries: the chart is given up, the digest stays posted.
        ("files.getUploadURLExternal", {"status": 429, "retry_after": 1, "times": 4}, False),
        # No answer in time: Slack may have shared it; it is not uploaded a second time.
        ("files.completeUploadExternal", {"delay": SLOW}, True),
    ],
)
def test_digest_chart_upload_faults_never_post_a_second_digest(
    database_url: str,
    sessions: sessionmaker[Session],
    fake_slack: FakeSlack,
    shared_tagger: SubprocessTagger,
    method: str,
    fault: dict[str, Any],
    chart_shown: bool,
) -> None:
    seed(sessions)
    fake_slack.fail_next(method, **fault)
    clock = Clock(MONDAY)
    with scheduling(database_url, fake_slack, shared_tagger, clock, **FAST_TIMEOUT) as app:
        assert run_becomes(sessions, "posted")[:2] == ("posted", 1)
        fake_slack.wait_for(method, count=fault.get("times", 1))
        clock.now = LATER
        ticked(app)
        clock.now = LATER + timedelta(hours=1)
        ticked(app)
    digest = assert_one_digest(fake_slack)
    assert len(posts_to(fake_slack, DIGEST)) == 1
    assert run_of(sessions) == ("posted", 1, None, digest["ts"])
    completed = [c for c in fake_slack.calls("files.completeUploadExternal") if c.status == 200]
    assert len(completed) == (1 if chart_shown else 0)
    assert all(c.params["thread_ts"] == digest["ts"] for c in completed)
    assert len(in_channel(fake_slack, SALES)) == 1


# -- captures ------------------------------------------------------------------------------------------

VPN = "Encore une panne du VPN ce matin, toute l'équipe support a perdu une heure."


@contextmanager
def capturing(database_url: str, fake: FakeSlack, tagger: SubprocessTagger, **env: str) -> Iterator[Pepites]:
    app = start_pepites(database_url, fake, tagger, migrate=True, schedule=False, clock=None, tick_seconds=0.2, **env)
    try:
        yield app
    finally:
        app.server.stop()
        app.runtime.stop()


def tagged(app: Pepites) -> Insight:
    eventually(lambda: [i for i in stored(app.sessions) if i.tagged_at is not None], "never tagged", timeout=90)
    [insight] = stored(app.sessions)
    return insight


def submit_form(app: Pepites, text: str, user_id: str = "U7") -> None:
    state = {
        "text": {"text_input": text_input_state(text)},
        "kind": {"kind_select": static_select_state(None)},
        "anonymous": {"anonymous_check": checkboxes_state([])},
        "customer": {"customer_input": text_input_state(None)},
    }
    payload = view_submission_payload(
        "insight_capture", state, private_metadata=json.dumps({"source": "modal", "channel_id": "C1"}), user_id=user_id
    )
    assert app.slack.interactive(payload).status == 200


@pytest.mark.parametrize(
    ("fault", "env", "calls"),
    [
        ({"status": 500, "times": 3}, {}, 3),  # refused after the client's two retries
        ({"delay": SLOW}, FAST_TIMEOUT, 2),  # no answer in time: the replacement is sent once more
    ],
)
def test_command_confirmation_update_faults_keep_the_insight_and_one_confirmation(
    database_url: str,
    fake_slack: FakeSlack,
    shared_tagger: SubprocessTagger,
    fault: dict[str, Any],
    env: dict[str, str],
    calls: int,
) -> None:
    fake_slack.fail_next("response_url", **fault)
    with capturing(database_url, fake_slack, shared_tagger, **env) as app:
        answer = app.slack.command(VPN, response_url=fake_slack.response_url("r1")).json()
        assert "Pépite n°1 enregistrée" in blocks_text(answer)  # the person was told at once
        insight = tagged(app)
        updates = fake_slack.wait_for("response_url", count=calls, timeout=30)
    assert (insight.text, insight.kind) == (VPN, "problem")
    assert all(u.params["replace_original"] is True for u in updates)  # replaced in place, never a second one
    assert len(updates) == calls


@pytest.mark.parametrize(
    ("fault", "updates", "dms"),
    [
        ({"error": "message_not_found"}, 1, 2),  # cannot be updated: the tagged confirmation comes as a new DM
        ({"status": 500, "times": 3}, 3, 2),
        ({"delay": SLOW}, 2, 1),  # no answer: the update is made once more, no second DM
    ],
)
def test_dm_confirmation_that_cannot_be_updated_still_shows_the_tags(
    database_url: str,
    fake_slack: FakeSlack,
    shared_tagger: SubprocessTagger,
    fault: dict[str, Any],
    updates: int,
    dms: int,
) -> None:
    fake_slack.fail_next("chat.update", **fault)
    with capturing(database_url, fake_slack, shared_tagger, **FAST_TIMEOUT) as app:
        submit_form(app, VPN)
        insight = tagged(app)
        fake_slack.wait_for("chat.update", count=updates, timeout=30)
        fake_slack.wait_for("chat.postMessage", count=dms, timeout=30)
        time.sleep(0.5)  # nothing more comes
    assert insight.kind == "problem"
    assert len(fake_slack.calls("chat.postMessage")) == dms and len(fake_slack.calls("chat.update")) == updates
    conversation = in_channel(fake_slack, str(fake_slack.calls("chat.update")[0].params["channel"]))
    assert len(conversation) == dms  # the person's DM with the app
    shown = blocks_text(conversation[-1])
    assert "Pépite n°1 enregistrée" in shown and "Type :" in shown and "problème" in shown


def test_form_capture_whose_dm_is_refused_is_stored_and_the_person_told_in_the_channel(
    database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    fake_slack.fail_next("chat.postMessage", status=500, times=3)
    with capturing(database_url, fake_slack, shared_tagger, **FAST_TIMEOUT) as app:
        submit_form(app, VPN)
        eventually(lambda: [i.text for i in stored(app.sessions)] == [VPN], "the insight was not stored")
        [notice] = fake_slack.wait_for("chat.postEphemeral", timeout=5)
    assert (notice.params["channel"], notice.params["user"]) == ("C1", "U7")
    assert "Pépite n°1 enregistrée" in notice.params["text"] and "/insight mine" in notice.params["text"]


def test_escalation_reaction_whose_dm_times_out_keeps_the_vote(
    database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    fake_slack.messages[("C1", "1700000100.000100")] = slack_message(VPN, user="U2", ts="1700000100.000100")
    fake_slack.fail_next("chat.postMessage", delay=SLOW)
    with capturing(database_url, fake_slack, shared_tagger, **FAST_TIMEOUT) as app:
        event = reaction_event("arrow_up", user="U1", item_channel="C1", item_ts="1700000100.000100", item_user="U2")
        assert app.slack.event(event).status == 200
        eventually(lambda: stored(app.sessions), "the insight was not stored")

        def voted() -> bool:
            with app.sessions.begin() as session:
                return session.scalar(select(Vote.voter_id)) == "U1"

        eventually(voted, "the escalation vote was lost", timeout=SLOW + 3)


def test_capture_reaction_whose_message_cannot_be_read_tells_the_person_and_a_new_reaction_works(
    database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    ts = "1700000100.000100"
    fake_slack.messages[("C1", ts)] = slack_message(VPN, user="U2", ts=ts)
    fake_slack.fail_next("reactions.get", status=503, times=3)  # beyond the client's two retries
    with capturing(database_url, fake_slack, shared_tagger, **FAST_TIMEOUT) as app:
        event = reaction_event("gem", user="U1", item_channel="C1", item_ts=ts, item_user="U2")
        assert app.slack.event(event).status == 200
        [notice] = fake_slack.wait_for("chat.postEphemeral", timeout=10)
        assert (notice.params["channel"], notice.params["user"]) == ("C1", "U1")
        assert "rien n'est enregistré" in notice.params["text"] and ":gem:" in notice.params["text"]
        assert stored(app.sessions) == []
        assert app.slack.event(event).status == 200  # the person adds it again, Slack answers this time
        eventually(lambda: [i.text for i in stored(app.sessions)] == [VPN], "the second reaction was not stored")
