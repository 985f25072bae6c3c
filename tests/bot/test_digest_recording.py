"""A digest Slack accepted is never posted again, even when the database went away before it was recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.digest import due_period
from bot.jobs import scheduler as scheduler_module
from bot.jobs.scheduler import DigestScheduler
from bot.workspace_config import WorkspaceConfig
from models.digests import RETRY_AFTER
from models.schema import DigestRun
from tests.support.fake_slack import FakeSlack
from tests.support.seed import make_workspace, seed_week

MONDAY = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
PERIOD = due_period(MONDAY, WorkspaceConfig())


def test_a_posted_digest_recorded_late_is_not_posted_again(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_workspace(sessions, "T1", MONDAY - timedelta(days=30), digest_channel="C0DIGEST")
    seed_week(sessions, "T1", PERIOD.start, 5)
    real_finish = scheduler_module.finish_digest
    failures = [OperationalError("UPDATE digest_run", {}, Exception("server closed the connection"))]

    def finish_after_an_outage(session: Session, run_id: int, now: datetime, **kwargs: Any) -> None:
        if kwargs.get("message_ts") and failures:
            raise failures.pop()
        real_finish(session, run_id, now, **kwargs)

    monkeypatch.setattr(scheduler_module, "finish_digest", finish_after_an_outage)
    now = [MONDAY]
    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.base_url)
        scheduler = DigestScheduler(sessions, lambda team: client, WorkspaceConfig(), clock=lambda: now[0])
        [first] = scheduler.tick()
        assert first.outcome == "posted"
        assert _runs(sessions) == [("claimed", None)]  # Slack has it; the database does not know yet
        now[0] = MONDAY + RETRY_AFTER + timedelta(minutes=1)  # long enough for the claim to look abandoned
        assert scheduler.tick() == []
        posted = [c for c in fake.calls("chat.postMessage") if c.params["channel"] == "C0DIGEST"]
    assert len(posted) == 1
    [(status, ts)] = _runs(sessions)
    assert status == "posted" and ts


def _runs(sessions: sessionmaker[Session]) -> list[tuple[str, str | None]]:
    with sessions.begin() as session:
        return [(r.status, r.message_ts) for r in session.scalars(select(DigestRun))]
