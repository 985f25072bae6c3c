"""A digest item's one menu: each option reaches the listener of the action it stands for, through the app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import select

from bot import ids
from bot.flows.capture import reporter_fields
from bot.runtime import Runtime, build_runtime
from models.insights import InsightDraft, add_insight
from models.schema import Insight
from tests.bot.conftest import SIGNING_SECRET, make_settings
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import block_actions_payload, signed_headers, view_submission_payload

TEAM, EMMA, DAVID, BOSS = "T1", "U0EMMA001", "U0DAVID01", "U0BOSS001"


@pytest.fixture
def app_and_slack(sqlite_url: str) -> Iterator[tuple[Runtime, FakeSlack]]:
    with FakeSlack() as fake:
        runtime = build_runtime(make_settings(sqlite_url, api_url=fake.base_url), token_verification=False)
        try:
            yield runtime, fake
        finally:
            runtime.stop()


def _dispatch(runtime: Runtime, payload: dict[str, Any]) -> int:
    body = urlencode({"payload": json.dumps(payload)})
    headers = {k.lower(): v for k, v in signed_headers(SIGNING_SECRET, body.encode()).items()}
    headers["content-type"] = "application/x-www-form-urlencoded"
    return runtime.app.dispatch(BoltRequest(body=body, headers=headers)).status


def _picked(fake: FakeSlack, action_id: str, insight_id: int) -> dict[str, Any]:
    payload = block_actions_payload(
        ids.ACTION_ITEM_MENU,
        None,
        user_id=BOSS,
        team_id=TEAM,
        channel_id="CDIGEST",
        message_ts="1700000000.000100",
        response_url=fake.response_url("digest"),
        selected_option={"value": ids.menu_value(action_id, insight_id), "text": {"type": "plain_text", "text": "x"}},
        block_id=ids.digest_item_block_id("open", insight_id),
    )
    payload["actions"][0]["type"] = "overflow"
    return payload


def _insight(runtime: Runtime) -> int:
    db = runtime.services.db
    with db.sessions.begin() as session:
        draft = InsightDraft(
            team_id=TEAM,
            idempotency_key="menu-1",
            text="Le VPN tombe pendant les appels clients",
            source="command",
            **reporter_fields(db.vault, TEAM, EMMA, anonymous=False),
        )
        return add_insight(session, draft)[0].id


def test_digest_menu_acknowledge_changes_the_status_and_tells_the_reporter(
    app_and_slack: tuple[Runtime, FakeSlack],
) -> None:
    runtime, fake = app_and_slack
    insight_id = _insight(runtime)
    assert _dispatch(runtime, _picked(fake, ids.ACTION_ACKNOWLEDGE, insight_id)) == 200
    with runtime.services.db.sessions() as session:
        assert session.scalar(select(Insight.status).where(Insight.id == insight_id)) == "acknowledged"
    dms = [c.params for c in fake.calls("chat.postMessage")]
    assert any(EMMA in str(d.get("channel")) or d.get("channel", "").startswith("D") for d in dms)
    assert any(f"n°{insight_id}" in str(r) for r in fake.responses("digest"))


@pytest.mark.parametrize(
    ("action_id", "callback_id"),
    [(ids.ACTION_RESOLVE, ids.VIEW_RESOLVE), (ids.ACTION_REPLY, ids.VIEW_REPLY), (ids.ACTION_ASSIGN, ids.VIEW_ASSIGN)],
)
def test_digest_menu_options_that_need_words_open_their_form(
    app_and_slack: tuple[Runtime, FakeSlack], action_id: str, callback_id: str
) -> None:
    runtime, fake = app_and_slack
    insight_id = _insight(runtime)
    assert _dispatch(runtime, _picked(fake, action_id, insight_id)) == 200
    [opened] = fake.calls("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == callback_id and f"n°{insight_id}" in json.dumps(view, ensure_ascii=False)


def test_digest_menu_assign_form_assigns_and_tells_the_assignee(app_and_slack: tuple[Runtime, FakeSlack]) -> None:
    runtime, fake = app_and_slack
    insight_id = _insight(runtime)
    state = {ids.BLOCK_ASSIGNEE: {"value": {"type": "users_select", "selected_user": DAVID}}}
    payload = view_submission_payload(
        ids.VIEW_ASSIGN, state, private_metadata=json.dumps({"i": insight_id}), user_id=BOSS, team_id=TEAM
    )
    assert _dispatch(runtime, payload) == 200
    with runtime.services.db.sessions() as session:
        row = session.execute(select(Insight.status, Insight.assignee_id).where(Insight.id == insight_id)).one()
    assert tuple(row) == ("assigned", DAVID)
    texts = " ".join(json.dumps(c.params, ensure_ascii=False) for c in fake.calls("chat.postMessage"))
    assert f"n°{insight_id} vous a été assignée" in texts
