"""A manager merges two themes from the digest, end to end (issue 11): the theme menu's "merge into…" as Slack
sends it, the form's submission, the confirmation with its Undo button; the next week's digest shows one theme
under the kept name, with its trend from the same theme's weekly counts."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.flows.digest import due_period
from bot.jobs.tagger_process import SubprocessTagger
from bot.workspace_config import WorkspaceConfig
from models.db import make_engine, make_sessions
from models.schema import CatalogueTheme, ThemeEvent
from tests.e2e.conftest import Pepites, start_pepites
from tests.support.fake_slack import FakeSlack
from tests.support.seed import make_workspace, seed_week
from tests.support.slack_requests import block_actions_payload, static_select_state, view_submission_payload

DIGEST = "C0DIGEST"
TEAM = "T0PEPITES"
MANAGER = "U0MANAGER"
MONDAY = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)  # 09:05 in Paris, just after the digest is due
PERIOD = due_period(MONDAY, WorkspaceConfig())


def _start(database_url: str, fake: FakeSlack, tagger: SubprocessTagger, clock: Callable[[], datetime]) -> Pepites:
    return start_pepites(
        database_url,
        fake,
        tagger,
        schedule=True,
        clock=clock,
        tick_seconds=0.1,
        PEPITES_DIGEST_CHANNEL=DIGEST,
        PEPITES_MANAGERS=MANAGER,
    )


def _digests(fake: FakeSlack, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        posted = [c.params for c in fake.calls("chat.postMessage") if c.params.get("channel") == DIGEST]
        if len(posted) >= count:
            return posted
        time.sleep(0.05)
    raise AssertionError(f"expected {count} digest(s) in the channel")


def _theme_headers(digest: dict[str, Any]) -> dict[str, str]:
    """Theme key → the header's text, for every theme of the digest carrying the theme menu."""
    return {
        str(b["block_id"]).rsplit(":", 1)[1]: b["text"]["text"]
        for b in digest["blocks"]
        if (b.get("accessory") or {}).get("action_id") == ids.ACTION_THEME_MENU
    }


def _labels(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions.begin() as session:
        return {t.key: t.curated_label or t.label for t in session.scalars(select(CatalogueTheme))}


def test_a_manager_merges_two_themes_and_next_week_shows_one(
    database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    sessions = make_sessions(make_engine(database_url))
    make_workspace(sessions, TEAM, MONDAY - timedelta(days=30))
    seed_week(sessions, TEAM, PERIOD.start, 40, prefix="w1")
    app = _start(database_url, fake_slack, shared_tagger, lambda: MONDAY)
    try:
        [first] = _digests(fake_slack, 1)
        headers = _theme_headers(first)
        assert len(headers) >= 2, first["blocks"]
        keep, other = list(headers)[:2]
        kept_name = _labels(sessions)[keep]
        # The theme menu's "merge into…", as Slack sends an overflow click in the digest.
        click = block_actions_payload(
            ids.ACTION_THEME_MENU,
            None,
            user_id=MANAGER,
            team_id=TEAM,
            channel_id=DIGEST,
            message_ts=str(first.get("ts") or "1700000000.000100"),
            selected_option={"value": f"merge:{other}", "text": {"type": "plain_text", "text": "Fusionner dans…"}},
            block_id=f"theme:digest:{other}",
            response_url=fake_slack.response_url("merge"),
        )
        click["actions"][0]["type"] = "overflow"
        assert app.slack.interactive(click).status == 200
        [opened] = fake_slack.calls("views.open")
        view = opened.params["view"]
        assert view["callback_id"] == ids.VIEW_THEME_MERGE
        form = {ids.BLOCK_THEME_TARGET: {"value": static_select_state(keep, kept_name)}}
        submission = view_submission_payload(
            ids.VIEW_THEME_MERGE, form, private_metadata=view["private_metadata"], user_id=MANAGER, team_id=TEAM
        )
        assert app.slack.interactive(submission).body == b""
        deadline = time.monotonic() + 10
        while not fake_slack.responses("merge") and time.monotonic() < deadline:
            time.sleep(0.05)
        [confirmation] = fake_slack.responses("merge")
        shown = json.dumps(confirmation, ensure_ascii=False)
        assert "fusionné" in shown and ids.ACTION_THEME_UNDO in shown and "Annuler" in shown
    finally:
        app.server.stop()
        app.runtime.stop()
    with sessions.begin() as session:
        [merge] = session.scalars(select(ThemeEvent).where(ThemeEvent.kind == "merged")).all()
        assert merge.by == MANAGER and merge.payload == {"theme_id": keep, "other_id": other}
    # Next week: the same subjects again; one theme under the kept name, its trend from both weeks' counts.
    seed_week(sessions, TEAM, PERIOD.start + timedelta(weeks=1), 40, prefix="w2")
    later = _start(database_url, fake_slack, shared_tagger, lambda: MONDAY + timedelta(weeks=1))
    try:
        second = _digests(fake_slack, 2)[-1]
    finally:
        later.server.stop()
        later.runtime.stop()
    headers = _theme_headers(second)
    assert other not in headers
    assert keep in headers, (kept_name, headers)
    assert kept_name in headers[keep]
    # Seen last week (both merged themes' insights count for it): never « nouveau » again.
    assert "nouveau" not in headers[keep], headers[keep]
    assert any(trend in headers[keep] for trend in ("en hausse", "stable", "en baisse")), headers[keep]
