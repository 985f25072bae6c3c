"""The retention job: a workspace's insights older than its retention are erased at the scheduler's tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.scheduler import DigestScheduler
from bot.workspace_config import WorkspaceConfig
from models.schema import Insight
from tests.support.seed import make_workspace, seed_week

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_old_insights_are_erased_only_where_a_retention_is_set(sessions: sessionmaker[Session]) -> None:
    make_workspace(sessions, "T1", NOW - timedelta(days=400), retention_days=30)
    make_workspace(sessions, "T2", NOW - timedelta(days=400))
    old = seed_week(sessions, "T1", NOW - timedelta(days=45), 5, prefix="old")
    recent = seed_week(sessions, "T1", NOW - timedelta(days=10), 5, prefix="new")
    kept = seed_week(sessions, "T2", NOW - timedelta(days=45), 5, prefix="t2")
    unreachable = WebClient(base_url="http://127.0.0.1:9/api/")
    scheduler = DigestScheduler(sessions, lambda team: unreachable, WorkspaceConfig(), clock=lambda: NOW)
    scheduler.tick()
    with sessions.begin() as session:
        left = set(session.scalars(select(Insight.id)))
    assert left == set(recent) | set(kept) and not left & set(old)
