"""A Grid workspace first seen through a request (one token, or a workspace row made before its install was
recorded) has its org stored from Bolt's context, so that work without a request (tagging updates, digests)
finds its installation; never the org of a Slack Connect partner acting in it (issue 15)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.runtime import Runtime, build_runtime
from models.schema import Workspace
from models.workspaces import ensure_workspace
from tests.bot.conftest import SIGNING_SECRET, make_settings
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import (
    BOT_USER_ID,
    block_actions_payload,
    command_form,
    encode_form,
    event_envelope,
    signed_headers,
)

TEAM, ORG = "T111", "E1"
INSTALLED = {"enterprise_id": ORG, "team_id": TEAM, "user_id": BOT_USER_ID, "is_bot": True}


def _dispatch(runtime: Runtime, body: str, content_type: str) -> int:
    headers = {k.lower(): v for k, v in signed_headers(SIGNING_SECRET, body.encode()).items()}
    headers["content-type"] = content_type
    return runtime.app.dispatch(BoltRequest(body=body, headers=headers)).status


def _grid_event(runtime: Runtime) -> int:
    """An event of the Grid workspace, as Slack sends it: the org in ``authorizations``."""
    event = {"type": "team_access_revoked", "team_ids": ["T999"], "event_ts": "1700000000.000100"}
    envelope = event_envelope(event, team_id=TEAM, authorizations=[{**INSTALLED, "is_enterprise_install": False}])
    envelope.update(enterprise_id=ORG, context_enterprise_id=ORG)
    return _dispatch(runtime, json.dumps(envelope), "application/json")


def _orgs(sessions: sessionmaker[Session]) -> dict[str, str | None]:
    with sessions.begin() as session:
        return {w.team_id: w.enterprise_id for w in session.scalars(select(Workspace))}


@pytest.fixture
def one_token(sqlite_url: str) -> Iterator[tuple[Runtime, FakeSlack]]:
    with FakeSlack() as fake:
        runtime = build_runtime(make_settings(sqlite_url, api_url=fake.base_url), token_verification=False)
        try:
            yield runtime, fake
        finally:
            runtime.stop()


def test_a_grid_workspace_first_seen_by_an_event_is_stored_with_its_org(one_token: tuple[Runtime, FakeSlack]) -> None:
    runtime, _ = one_token
    assert _grid_event(runtime) == 200
    assert _orgs(runtime.services.sessions) == {TEAM: ORG}


def test_a_grid_workspace_first_seen_by_a_command_is_stored_with_its_org(
    one_token: tuple[Runtime, FakeSlack],
) -> None:
    runtime, _ = one_token
    form = command_form("help", team_id=TEAM, user_id="W0EMMA001", enterprise_id=ORG, enterprise_name="Acme")
    assert _dispatch(runtime, encode_form(form).decode(), "application/x-www-form-urlencoded") == 200
    assert _orgs(runtime.services.sessions) == {TEAM: ORG}


def test_a_partners_click_never_gives_the_workspace_their_org(one_token: tuple[Runtime, FakeSlack]) -> None:
    """A Slack Connect partner's payload names their own org: the workspace's is not read from it."""
    runtime, _ = one_token
    payload: dict[str, Any] = block_actions_payload("insight_me_too", "1", user_id="U0PARTNER", team_id=TEAM)
    payload["enterprise"] = {"id": "E9", "name": "Partner Org"}
    assert _dispatch(runtime, urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded") == 200
    assert "E9" not in _orgs(runtime.services.sessions).values()


def test_the_one_tokens_org_is_what_auth_test_says(one_token: tuple[Runtime, FakeSlack]) -> None:
    runtime, fake = one_token
    fake.enterprise_id = ORG
    payload: dict[str, Any] = block_actions_payload("insight_me_too", "1", user_id="W0EMMA001", team_id=TEAM)
    assert _dispatch(runtime, urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded") == 200
    assert _orgs(runtime.services.sessions) == {TEAM: ORG}


def test_with_installations_a_workspace_row_made_before_its_org_was_known_finds_its_bot_after_a_request(
    sqlite_url: str,
) -> None:
    oauth = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}
    with FakeSlack() as fake:
        runtime = build_runtime(make_settings(sqlite_url, api_url=fake.base_url, **oauth))
        try:
            installations = runtime.services.workspaces.installations
            assert installations.store is not None
            installations.store.save(
                Installation(app_id="A1", enterprise_id=ORG, team_id=TEAM, user_id="W1", bot_token="xoxb-grid")
            )
            with runtime.services.sessions.begin() as session:
                ensure_workspace(session, TEAM)  # recorded by a request before the install said its org
            assert installations.client_for(TEAM) is None  # the bot is keyed by its org too
            assert _grid_event(runtime) == 200
            client = installations.client_for(TEAM)
            assert client is not None and client.token == "xoxb-grid"
            assert _orgs(runtime.services.sessions) == {TEAM: ORG}
        finally:
            runtime.stop()
