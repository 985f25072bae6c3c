"""The weekly digest end to end: schedulers in two app processes' worth of runtimes on one database, a fixed
clock, the fake Web API. Posted once, caught up once after downtime, chart in the thread, signals to sales."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.digest import due_period
from bot.jobs.tagger_process import SubprocessTagger
from bot.workspace_config import WorkspaceConfig
from models.db import make_engine, make_sessions
from models.schema import DigestRun
from tests.e2e.conftest import Pepites, start_pepites
from tests.support.fake_slack import FakeSlack
from tests.support.seed import make_workspace, seed_week

DIGEST = "C0DIGEST"
SALES = "C0SALES"
TEAM = "T0PEPITES"
MONDAY = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)  # 09:05 in Paris, just after the digest is due
PERIOD = due_period(MONDAY, WorkspaceConfig())


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return make_sessions(make_engine(database_url))


def _start(database_url: str, fake: FakeSlack, tagger: SubprocessTagger, clock: Callable[[], datetime]) -> Pepites:
    return start_pepites(
        database_url,
        fake,
        tagger,
        schedule=True,
        clock=clock,
        tick_seconds=0.1,
        PEPITES_DIGEST_CHANNEL=DIGEST,
        PEPITES_SALES_CHANNEL=SALES,
    )


def _stop(app: Pepites) -> None:
    app.server.stop()
    app.runtime.stop()


def _ticked(app: Pepites, at_least: int) -> None:
    scheduler = app.runtime.scheduler
    assert scheduler is not None
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    start = scheduler.ticks
    while scheduler.ticks < start + at_least:
        assert datetime.now(UTC) < deadline, "the scheduler stopped ticking"
        time.sleep(0.02)


def _posted(fake: FakeSlack, channel: str) -> list[dict[str, object]]:
    return [c.params for c in fake.calls("chat.postMessage") if c.params.get("channel") == channel]


def _runs(sessions: sessionmaker[Session]) -> list[tuple[str, str, int]]:
    with sessions.begin() as session:
        return [(r.period_start.isoformat(), r.status, r.attempts) for r in session.scalars(select(DigestRun))]


def _seed(sessions: sessionmaker[Session]) -> int:
    workspace_id = make_workspace(sessions, TEAM, MONDAY - timedelta(days=30))
    seed_week(sessions, TEAM, PERIOD.start, 40)
    return workspace_id


def test_two_schedulers_on_one_database_post_the_digest_once(
    database_url: str, sessions: sessionmaker[Session], fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    _seed(sessions)
    first = _start(database_url, fake_slack, shared_tagger, lambda: MONDAY)
    second = _start(database_url, fake_slack, shared_tagger, lambda: MONDAY)
    try:
        fake_slack.wait_for("files.completeUploadExternal")
        _ticked(first, 5)
        _ticked(second, 5)
    finally:
        _stop(first)
        _stop(second)
    [digest] = _posted(fake_slack, DIGEST)
    shown = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "(40 pépites)" in str(digest["text"])
    assert "vpn" in shown.lower() and "Biocoop" in shown
    [sales] = _posted(fake_slack, SALES)
    assert "Biocoop" in json.dumps(sales["blocks"], ensure_ascii=False)
    [upload] = fake_slack.calls("files.completeUploadExternal")
    assert upload.params.get("channel_id") == DIGEST and upload.params.get("thread_ts")
    assert _runs(sessions) == [(PERIOD.week.isoformat(), "posted", 1)]


def test_a_missed_monday_is_caught_up_once_after_a_restart(
    database_url: str, sessions: sessionmaker[Session], fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    workspace_id = _seed(sessions)
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
    sunday = _start(database_url, fake_slack, shared_tagger, lambda: MONDAY - timedelta(days=1))
    _ticked(sunday, 3)
    _stop(sunday)  # …and everything is down on Monday
    assert _posted(fake_slack, DIGEST) == []
    tuesday = _start(database_url, fake_slack, shared_tagger, lambda: MONDAY + timedelta(days=1, hours=2))
    try:
        fake_slack.wait_for("files.completeUploadExternal")
        _ticked(tuesday, 3)
    finally:
        _stop(tuesday)
    later = _start(database_url, fake_slack, shared_tagger, lambda: MONDAY + timedelta(days=1, hours=3))
    _ticked(later, 3)
    _stop(later)
    assert len(_posted(fake_slack, DIGEST)) == 1
    assert sorted(_runs(sessions)) == [(previous.week.isoformat(), "posted", 1), (PERIOD.week.isoformat(), "posted", 1)]


def test_a_refused_digest_is_retried_later_and_posted_once(
    database_url: str, sessions: sessionmaker[Session], fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    _seed(sessions)
    fake_slack.fail_next("chat.postMessage", error="channel_not_found")
    now = [MONDAY]
    app = _start(database_url, fake_slack, shared_tagger, lambda: now[0])
    try:
        _ticked(app, 3)
        assert _runs(sessions) == [(PERIOD.week.isoformat(), "failed", 1)]
        now[0] = MONDAY + timedelta(minutes=20)  # someone fixed the channel; the retry comes after a while
        fake_slack.wait_for("files.completeUploadExternal")
        _ticked(app, 3)
    finally:
        _stop(app)
    assert len(_posted(fake_slack, DIGEST)) == 2  # refused once, then posted
    assert len([key for key in fake_slack.messages if key[0] == DIGEST]) == 1
    assert _runs(sessions) == [(PERIOD.week.isoformat(), "posted", 2)]


def test_pepites_digest_dry_run_prints_blocks_and_a_chart(
    sqlite_url: str, tmp_path: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli.main import main

    sessions = make_sessions(make_engine(sqlite_url))
    make_workspace(sessions, TEAM, datetime.now(UTC) - timedelta(days=30))
    seed_week(sessions, TEAM, datetime.now(UTC) - timedelta(days=7, minutes=-5), 20)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    chart = f"{tmp_path}/chart.png"
    assert main(["digest", "--workspace", TEAM, "--dry-run", "--chart", chart]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["chart"] == chart and open(chart, "rb").read(4) == b"\x89PNG"
    assert 0 < len(printed["blocks"]) <= 50 and "20" in printed["text"]
    assert main(["digest", "--workspace", "T0NOBODY", "--dry-run"]) == 1
