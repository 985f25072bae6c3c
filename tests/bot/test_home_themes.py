"""A manager's App Home shows this week's catalogue themes, the day insights join them, with the curation menu
(issue 11: «Thèmes de la semaine (0)» all week was the bug)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from unittest.mock import Mock

from bot import ids
from bot.flows.home import publish_home
from bot.flows.themes import catch_up
from bot.services import Services
from models.home import manager_overview
from models.workspaces import ensure_workspace
from tests.support.fake_slack import FakeSlack
from tests.support.seed import make_workspace, seed_week

TEAM, BOSS, EMMA = "T1", "U0BOSS001", "U0EMMA001"


def test_home_shows_the_themes_insights_joined_this_week(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    now = datetime.now(UTC)
    sessions = services.db.sessions
    make_workspace(sessions, TEAM, now - timedelta(days=60), managers=[BOSS])
    seed_week(sessions, TEAM, now - timedelta(days=14), 24, prefix="last")
    with sessions.begin() as session:
        workspace_id = ensure_workspace(session, TEAM).id
        catch_up(session, workspace_id, now - timedelta(days=7), found_new=True)  # last week's digest
    seed_week(sessions, TEAM, now - timedelta(days=6), 16)
    with sessions.begin() as session:
        assert catch_up(session, workspace_id, now, found_new=False) > 0  # joined when tagged, no grouping yet
        overview = manager_overview(session, TEAM, now, 10, 10)
    assert overview.themes_total > 0 and sum(t.size for t in overview.themes) > 0
    assert all(t.trend != "new" for t in overview.themes if t.size >= 2), overview.themes  # seen last week
    publish_home(services.db, services.workspaces, web_client, TEAM, BOSS)
    view = slack_state.calls("views.publish")[-1].params["view"]
    text = json.dumps(view, ensure_ascii=False)
    assert f"Thèmes de la semaine* ({overview.themes_total})" in text
    menus = [b for b in view["blocks"] if (b.get("accessory") or {}).get("action_id") == ids.ACTION_THEME_MENU]
    assert [m["block_id"] for m in menus] == [f"theme:home:{t.key}" for t in overview.themes]
    publish_home(services.db, services.workspaces, web_client, TEAM, EMMA)
    assert ids.ACTION_THEME_MENU not in json.dumps(slack_state.calls("views.publish")[-1].params["view"])
