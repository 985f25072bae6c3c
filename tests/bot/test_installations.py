"""The OAuth stores on the app's database: a state is good once and for 10 minutes; each workspace's client."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from unittest.mock import Mock

from slack_bolt import BoltRequest
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import sessionmaker

from bot.jobs.tagger_process import SubprocessTagger
from bot.runtime import build_runtime
from bot.slack.installations import Installations, OAuthStateStore, welcome
from models.schema import Workspace
from tests.bot.conftest import SIGNING_SECRET, make_settings
from tests.support.slack_requests import event_envelope, reaction_event, signed_headers


def test_a_state_is_consumed_once_even_by_concurrent_replicas(engine: Engine) -> None:
    store = OAuthStateStore(engine)
    state = store.issue()
    with ThreadPoolExecutor(8) as pool:
        consumed = list(pool.map(lambda _: OAuthStateStore(engine).consume(state), range(8)))
    assert consumed.count(True) == 1
    assert store.consume(state) is False
    assert store.consume("a-state-never-issued") is False


def test_an_expired_state_is_refused(engine: Engine) -> None:
    store = OAuthStateStore(engine)
    state = store.issue()
    past = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    with engine.begin() as connection:
        connection.execute(update(store.oauth_states).values(expire_at=past))
    assert store.consume(state) is False


def test_each_installed_workspace_gets_a_client_with_its_own_token(database_url: str, engine: Engine) -> None:
    settings = make_settings(database_url, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s")
    installations = Installations(settings, engine, WebClient(base_url="http://127.0.0.1:9/api/"))
    assert installations.store is not None
    for team, token in (("T1", "xoxb-one"), ("T2", "xoxb-two")):
        installations.store.save(
            Installation(app_id="A1", team_id=team, user_id="U1", bot_token=token, bot_id="B1", bot_user_id="UB")
        )
    one, two = installations.client_for("T1"), installations.client_for("T2")
    assert one is not None and two is not None
    assert (one.token, two.token) == ("xoxb-one", "xoxb-two")
    assert one.base_url == "http://127.0.0.1:9/api/" and one.retry_handlers
    assert installations.client_for("T3") is None
    installations.store.delete_all(enterprise_id=None, team_id="T1")
    installations.forget("T1")
    assert installations.client_for("T1") is None


def test_with_a_single_token_every_workspace_gets_that_client(database_url: str, engine: Engine) -> None:
    base = WebClient(token="xoxb-single", base_url="http://127.0.0.1:9/api/")
    installations = Installations(make_settings(database_url), engine, base)
    assert installations.store is None
    assert installations.client_for("T1") is base and installations.client_for("T2") is base


def test_with_installations_an_event_is_refused_503_while_the_database_is_away() -> None:
    """Bolt looks the workspace's installation up in the database before any listener: the guard runs first,
    so the event is not acked (Bolt would answer 200 to a failed lookup) and Slack redelivers it."""
    settings = make_settings(
        "postgresql://postgres@127.0.0.1:1/nowhere", SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s"
    )
    runtime = build_runtime(settings, tagger=SubprocessTagger(), migrate=False, schedule=False)
    try:
        event = reaction_event("gem", user="U2", item_channel="C1", item_ts="1700000000.000100", item_user="U3")
        body = json.dumps(event_envelope(event, team_id="T9"))
        headers = {k.lower(): v for k, v in signed_headers(SIGNING_SECRET, body.encode()).items()}
        headers["content-type"] = "application/json"
        assert runtime.app.dispatch(BoltRequest(body=body, headers=headers)).status == 503
    finally:
        runtime.engine.dispose()


def test_grid_workspaces_and_an_org_wide_install_get_their_bot(database_url: str, engine: Engine) -> None:
    """Work without a request finds a Grid workspace's bot by its org too, and an org-wide install's by its org."""
    settings = make_settings(database_url, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s")
    installations = Installations(settings, engine, WebClient(base_url="http://127.0.0.1:9/api/"))
    store = installations.store
    assert store is not None
    grid = Installation(app_id="A1", enterprise_id="E1", team_id="T1", user_id="W1", bot_token="xoxb-grid", bot_id="B1")
    org = Installation(
        app_id="A1", enterprise_id="E2", team_id=None, user_id="W2", bot_token="xoxb-org", is_enterprise_install=True
    )
    sessions = sessionmaker(engine)
    for installation in (grid, org):
        store.save(installation)
        welcome(sessions, Mock(spec=WebClient), installation, "fr")
    with sessions.begin() as session:
        rows = {w.team_id: (w.enterprise_id, w.is_enterprise_install) for w in session.scalars(select(Workspace))}
    assert rows == {"T1": ("E1", False), "E2": ("E2", True)}
    one, two = installations.client_for("T1"), installations.client_for("E2")
    assert one is not None and two is not None and (one.token, two.token) == ("xoxb-grid", "xoxb-org")
