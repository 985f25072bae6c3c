"""The weekly digest built from the database: themes from stored lemmas, trends, € totals, a chart, valid blocks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.digest import DigestPeriod, WeeklyDigest, build_weekly, due_period
from bot.workspace_config import WorkspaceConfig
from models.schema import Insight, Theme, Workspace
from tests.support.seed import escalate, make_workspace, resolve, seed_week

NOW = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)  # Monday 09:05 in Paris
CONFIG = WorkspaceConfig(digest_channel="C0DIGEST")
PERIOD = due_period(NOW, CONFIG)


def _build(sessions: sessionmaker[Session], period: DigestPeriod = PERIOD, persist: bool = True) -> WeeklyDigest:
    with sessions.begin() as session:
        workspace = session.scalars(select(Workspace).where(Workspace.team_id == "T1")).one()
        return build_weekly(session, workspace.id, CONFIG, period, persist=persist)


def test_a_week_from_the_database(sessions: sessionmaker[Session]) -> None:
    make_workspace(sessions, "T1", NOW - timedelta(days=60))
    last_week = seed_week(sessions, "T1", PERIOD.start - timedelta(days=7), 16, prefix="last")
    this_week = seed_week(sessions, "T1", PERIOD.start, 24)
    seed_week(sessions, "T1", PERIOD.end, 5, prefix="after")  # after the period: not in it
    resolve(sessions, last_week[0], PERIOD.start - timedelta(days=1), value_eur=1000)
    resolve(sessions, this_week[6], PERIOD.start + timedelta(days=2), value_eur=250.5)
    escalate(sessions, this_week[0], PERIOD.start + timedelta(days=1))
    previous = due_period(PERIOD.start, CONFIG)
    _build(sessions, previous)  # last week's digest stored its themes: this week's are matched to them
    weekly = _build(sessions)
    digest = weekly.digest
    assert digest.total.count == 24 and digest.total.previous == 16
    assert any("vpn" in theme.label.lower() for theme in digest.themes)
    # Last week's themes are the same catalogue themes this week: never « nouveau » again.
    assert all(theme.trend != "new" for theme in digest.themes if theme.size >= 3 and theme.key != "autres"), [
        (theme.label, theme.size, theme.trend) for theme in digest.themes
    ]
    assert [i.id for i in digest.escalated] == [this_week[0]]
    assert digest.resolved.value_eur == 250.5 and digest.resolved.running_value_eur == 1250.5
    assert {g.signal for g in digest.signals} == {"at_risk", "lead"}
    assert weekly.chart_png.startswith(b"\x89PNG")
    assert len(weekly.blocks) <= 50 and weekly.signal_blocks
    assert all(isinstance(b, dict) for b in weekly.blocks)
    with sessions.begin() as session:
        stored = session.scalar(select(func.count()).select_from(Theme).where(Theme.week == PERIOD.week))
        assert stored == len(weekly.themes)
        grouped = session.scalar(
            select(func.count()).select_from(Insight).where(Insight.id.in_(this_week), Insight.theme_id.is_not(None))
        )
        assert grouped == 24


def test_a_dry_run_stores_nothing(sessions: sessionmaker[Session]) -> None:
    make_workspace(sessions, "T1", NOW - timedelta(days=60))
    seed_week(sessions, "T1", PERIOD.start, 10)
    _build(sessions, persist=False)
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(Theme)) == 0


def test_ten_thousand_insights_still_give_one_valid_message(sessions: sessionmaker[Session]) -> None:
    make_workspace(sessions, "T1", NOW - timedelta(days=60))
    ids = seed_week(sessions, "T1", PERIOD.start, 10_000, anonymous_every=3)
    for insight_id in ids[:200]:
        escalate(sessions, insight_id, PERIOD.start + timedelta(hours=1))
    weekly = _build(sessions)
    assert weekly.digest.total.count == 10_000
    assert 0 < len(weekly.blocks) <= 50 and 0 < len(weekly.signal_blocks) <= 50
    for block in weekly.blocks + weekly.signal_blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= 3000
    assert len(json.dumps(weekly.blocks)) < 40_000
