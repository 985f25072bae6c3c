"""Assigning an insight: the assignee reads it in the message itself, the reporter learns to whom (issue 12)."""

from __future__ import annotations

import json
from unittest.mock import Mock

from bot import ids
from bot.flows.capture import reporter_fields
from bot.listeners.status import assign_callback
from bot.services import Services
from models.insights import InsightDraft, add_insight
from tests.support.fake_slack import FakeSlack

TEAM, EMMA, DAVID, BOSS = "T1", "U0EMMA001", "U0DAVID01", "U0BOSS001"


def test_the_assignee_is_told_in_the_blocks_and_the_reporter_to_whom(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    with services.db.sessions.begin() as session:
        draft = InsightDraft(
            team_id=TEAM,
            idempotency_key="k9",
            text="Le VPN tombe &amp; coupe les appels",
            source="command",
            **reporter_fields(services.db.vault, TEAM, EMMA, anonymous=False),
        )
        insight_id = add_insight(session, draft)[0].id
    body = {"team": {"id": TEAM}, "user": {"id": BOSS}, "container": {"type": "message"}, "actions": []}
    action = {
        "action_id": ids.ACTION_ASSIGN,
        "selected_user": DAVID,
        "block_id": ids.digest_item_block_id("open", insight_id),
    }
    assign_callback(services.db, services.workspaces, Mock(), body, action, Mock(), web_client)
    dms = {c.params["channel"]: c.params for c in slack_state.calls("chat.postMessage")}
    david = json.dumps(dms[DAVID]["blocks"], ensure_ascii=False)
    assert f"n°{insight_id} vous a été assignée" in david and "Le VPN tombe &amp; coupe" in david
    emma = json.dumps(dms[EMMA]["blocks"], ensure_ascii=False)
    assert f"<@{DAVID}>" in emma and "assignée" in emma
