"""Several workspaces: each installs Pépites through Slack's OAuth flow, over real HTTP, and is then served,
and sent its digest, with its own bot token; an uninstalled workspace is served no more."""

from __future__ import annotations

import http.client
import io
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.digest import due_period
from bot.jobs.tagger_process import SubprocessTagger
from bot.log_privacy import PrivacyFilter
from bot.workspace_config import WorkspaceConfig
from models.schema import DigestRun, Workspace
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.helpers import stored
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import BOT_USER_ID, JSON, event_envelope, new_trigger_id, reaction_event

CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "a-client-secret-for-tests"
STATE_COOKIE = "slack-app-oauth-state"


@dataclass(frozen=True)
class Page:
    status: int
    headers: dict[str, str]
    body: str


def get(pepites: Pepites, path: str, cookie: str | None = None) -> Page:
    """A browser's GET to the app."""
    parts = urlsplit(pepites.server.events_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        answer = connection.getresponse()
        headers = {name.lower(): value for name, value in answer.getheaders()}
        return Page(answer.status, headers, answer.read().decode("utf-8"))
    finally:
        connection.close()


@pytest.fixture
def oauth_app(database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger) -> Iterator[Pepites]:
    """The app with no bot token: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, as a distributed app runs."""
    fake_slack.client_credentials = (CLIENT_ID, CLIENT_SECRET)
    app = start_pepites(
        database_url,
        fake_slack,
        shared_tagger,
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
    )
    yield app
    app.server.stop()
    app.runtime.stop()


def begin_install(pepites: Pepites) -> tuple[str, str]:
    """Open /slack/install as the installer's browser: the state in Slack's authorize URL, and its cookie."""
    page = get(pepites, "/slack/install")
    assert page.status == 200
    [authorize] = re.findall(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.body)
    query = parse_qs(urlsplit(authorize.replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) >= {"chat:write", "commands", "reactions:read"}
    [state] = query["state"]
    cookie = page.headers["set-cookie"].split(";")[0]
    assert cookie == f"{STATE_COOKIE}={state}"
    return state, cookie


def install(pepites: Pepites, team_id: str, installer: str = "UINSTALL") -> str:
    """The whole flow for one workspace; the bot token Slack granted it."""
    code = f"code-{team_id}"
    token = pepites.fake.grant_install(code, team_id, installer=installer)
    state, cookie = begin_install(pepites)
    page = get(pepites, "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie)
    assert page.status == 200, page.body
    return token


def test_a_workspace_installs_and_is_then_served_with_its_own_token(oauth_app: Pepites) -> None:
    token = install(oauth_app, "T9", installer="U9")
    [exchange] = oauth_app.fake.calls("oauth.v2.access")
    assert (exchange.params["client_id"], exchange.params["client_secret"]) == (CLIENT_ID, CLIENT_SECRET)
    # The installer is welcomed, by DM, in the bot's name.
    [welcome] = oauth_app.fake.wait_for("chat.postMessage")
    assert welcome.token == token and welcome.params["channel"] == "U9"
    assert "/insight config" in str(welcome.params["text"])
    with oauth_app.sessions.begin() as session:
        assert session.scalars(select(Workspace.team_id)).all() == ["T9"]

    trigger = new_trigger_id()
    assert oauth_app.slack.command("", team_id="T9", trigger_id=trigger).status == 200
    [opened] = oauth_app.fake.wait_for("views.open")
    assert opened.token == token and opened.params["trigger_id"] == trigger
    assert oauth_app.slack.command("Le client Acme attend son devis depuis deux semaines.", team_id="T9").status == 200
    assert [i.text for i in stored(oauth_app.sessions)] == ["Le client Acme attend son devis depuis deux semaines."]


def test_a_workspace_that_did_not_install_gets_nothing_and_nothing_is_stored(oauth_app: Pepites) -> None:
    install(oauth_app, "T9")
    oauth_app.fake.reset()
    url = oauth_app.fake.response_url("t404")
    answer = oauth_app.slack.command("Le badge du parking ne marche plus.", team_id="T404", response_url=url)
    assert answer.status == 200
    [told] = oauth_app.fake.wait_for("response_url")  # Bolt's answer: this workspace has to install the app
    assert "install" in str(told.params["text"]).lower()
    assert stored(oauth_app.sessions) == []
    assert [c.method for c in oauth_app.fake.calls()] == ["response_url"]


def test_an_install_needs_its_own_browser_and_a_state_used_once(oauth_app: Pepites) -> None:
    oauth_app.fake.grant_install("code-a", "T9")
    state, cookie = begin_install(oauth_app)
    # Without the cookie set by /slack/install (another browser, a forged link): refused, nothing stored.
    assert get(oauth_app, f"/slack/oauth_redirect?code=code-a&state={state}").status == 400
    assert oauth_app.fake.calls("oauth.v2.access") == []
    assert get(oauth_app, f"/slack/oauth_redirect?code=code-a&state={state}", cookie).status == 200
    # The same state again (a replayed redirect) is refused before Slack is asked.
    oauth_app.fake.grant_install("code-b", "T8")
    assert get(oauth_app, f"/slack/oauth_redirect?code=code-b&state={state}", cookie).status == 401
    assert len(oauth_app.fake.calls("oauth.v2.access")) == 1
    # A code Slack does not know: refused, and the installer can start again.
    state, cookie = begin_install(oauth_app)
    assert get(oauth_app, f"/slack/oauth_redirect?code=forged&state={state}", cookie).status == 401
    with oauth_app.sessions.begin() as session:
        teams = session.execute(text("SELECT team_id FROM slack_bots")).scalars().all()
    assert teams == ["T9"]


def test_the_install_paths_do_not_exist_with_a_single_token(pepites: Pepites) -> None:
    assert get(pepites, "/slack/install").status == 404
    assert get(pepites, "/slack/oauth_redirect?code=x&state=y").status == 404


MONDAY = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
PERIOD = due_period(MONDAY, WorkspaceConfig())


def _digests(fake: FakeSlack) -> dict[str, str | None]:
    """The digests posted, by channel: the token each was posted with."""
    return {str(c.params["channel"]): c.token for c in fake.calls("chat.postMessage") if c.params["channel"][0] == "C"}


def _due(sessions: sessionmaker[Session], team_id: str, channel: str) -> None:
    """The workspace was installed a month ago and chose a digest channel."""
    with sessions.begin() as session:
        workspace = session.scalars(select(Workspace).where(Workspace.team_id == team_id)).one()
        workspace.created_at = MONDAY - timedelta(days=30)
        workspace.settings = {"digest_channel": channel}


def _wait(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_each_workspace_gets_its_digest_with_its_own_token_and_an_uninstalled_one_none(
    database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    fake_slack.client_credentials = (CLIENT_ID, CLIENT_SECRET)
    now = [MONDAY - timedelta(days=1)]
    oauth = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET}
    app = start_pepites(database_url, fake_slack, shared_tagger, schedule=True, clock=lambda: now[0], **oauth)
    try:
        tokens = {team: install(app, team) for team in ("T7", "T8", "T9")}
        for team in tokens:
            _due(app.sessions, team, f"C{team}")
        # T9 uninstalls: Slack sends app_uninstalled, and its installation is deleted.
        uninstalled = {"type": "app_uninstalled", "event_ts": "1700000000.000100"}
        assert app.slack.event(uninstalled, team_id="T9").status == 200
        _wait(lambda: _installed(app.sessions) == ["T7", "T8"])
        fake_slack.reset()
        now[0] = MONDAY
        _wait(lambda: len(_runs(app.sessions)) == 2)
        assert _digests(fake_slack) == {"CT7": tokens["T7"], "CT8": tokens["T8"]}
        assert not [c for c in fake_slack.calls() if c.token == tokens["T9"]]
        # T9 is not served any more either.
        app.slack.command("Encore une remarque.", team_id="T9")
        assert stored(app.sessions) == []
    finally:
        app.server.stop()
        app.runtime.stop()


def _installed(sessions: sessionmaker[Session]) -> list[str]:
    with sessions.begin() as session:
        return sorted(session.execute(text("SELECT team_id FROM slack_bots")).scalars())


def _runs(sessions: sessionmaker[Session]) -> list[tuple[int, str]]:
    with sessions.begin() as session:
        return [
            (r.workspace_id, r.status) for r in session.scalars(select(DigestRun).where(DigestRun.status == "posted"))
        ]


def test_an_install_logged_at_debug_shows_no_token_secret_or_code(oauth_app: Pepites) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PrivacyFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        token = install(oauth_app, "T9", installer="U9")
        oauth_app.slack.command("Le client Acme attend son devis.", team_id="T9")
        oauth_app.fake.wait_for("chat.postMessage")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    logged = stream.getvalue()
    assert "oauth.v2.access" in logged  # the exchange was logged, at DEBUG…
    for secret in (token, CLIENT_SECRET, "code-T9", "U9"):  # …without what it carried
        assert secret not in logged


GRID_TEAM, GRID_ORG, GRID_CHANNEL = "T0GRID01", "E0ACME01", "C0GRIDDIG"


def _grid_event(app: Pepites, event: dict[str, Any]) -> None:
    """An event of the Grid workspace as Slack sends it: the org in the envelope and in ``authorizations``."""
    envelope = event_envelope(
        event,
        team_id=GRID_TEAM,
        authorizations=[
            {
                "enterprise_id": GRID_ORG,
                "team_id": GRID_TEAM,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
    )
    envelope.update(enterprise_id=GRID_ORG, context_enterprise_id=GRID_ORG)
    assert app.slack.post(json.dumps(envelope).encode(), JSON).status == 200
    app.runtime.services.inbox.wait_idle()


def test_a_grid_workspace_installed_through_oauth_gets_its_digest_from_the_scheduler_with_its_bot(
    database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    """An Enterprise Grid workspace installs (oauth.v2.access names its org), its W-users capture by command
    and by reaction, and the scheduler posts its digest with the Grid bot's token, beside a plain workspace."""
    fake_slack.client_credentials = (CLIENT_ID, CLIENT_SECRET)
    start = datetime.now(UTC)
    now = [start]
    oauth = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET}
    app = start_pepites(database_url, fake_slack, shared_tagger, schedule=True, clock=lambda: now[0], **oauth)
    try:
        code = "code-grid"
        grid_token = fake_slack.grant_install(
            code, GRID_TEAM, installer="W0INSTALL", team_name="Acme France", enterprise_id=GRID_ORG
        )
        state, cookie = begin_install(app)
        page = get(app, "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie)
        assert page.status == 200, page.body
        plain_token = install(app, "T7")
        with app.sessions.begin() as session:
            bots = session.execute(text("SELECT enterprise_id, team_id, bot_token FROM slack_bots")).all()
            rows = session.execute(select(Workspace.team_id, Workspace.enterprise_id)).all()
        assert {b.team_id: (b.enterprise_id, b.bot_token) for b in bots} == {
            GRID_TEAM: (GRID_ORG, grid_token),
            "T7": (None, plain_token),
        }
        assert dict(tuple(r) for r in rows) == {GRID_TEAM: GRID_ORG, "T7": None}

        grid = {"enterprise_id": GRID_ORG, "enterprise_name": "Acme", "is_enterprise_install": "false"}
        said = [
            "Le VPN tombe tous les matins depuis la migration, impossible de joindre le CRM.",
            "Le client Biocoop attend son devis depuis trois semaines, il menace de partir.",
        ]
        for n, words in enumerate(said):
            answer = app.slack.command(words, team_id=GRID_TEAM, user_id=f"W0EMMA{n:03d}", **grid)
            assert answer.status == 200 and "enregistrée" in answer.json()["text"]
        fake_slack.messages[("C0GRIDOPS", "1700000900.000100")] = {
            "type": "message",
            "user": "W0DAVID01",
            "text": "Les badges du site de Lyon ne s'activent plus le lundi matin.",
            "ts": "1700000900.000100",
        }
        reaction = reaction_event(
            "gem", user="W0DAVID01", item_channel="C0GRIDOPS", item_ts="1700000900.000100", item_user="W0DAVID01"
        )
        _grid_event(app, reaction)
        # Tagged in the background, the reaction's confirmation is updated with the Grid bot's token.
        [updated] = fake_slack.wait_for("chat.update", timeout=60)
        assert updated.token == grid_token and updated.params["channel"] == "D0DAVID01"  # its DM
        assert [i.text for i in stored(app.sessions)] == [
            *said,
            "Les badges du site de Lyon ne s'activent plus le lundi matin.",
        ]

        with app.sessions.begin() as session:
            for team, channel in ((GRID_TEAM, GRID_CHANNEL), ("T7", "CT7")):
                workspace = session.scalars(select(Workspace).where(Workspace.team_id == team)).one()
                workspace.created_at = start - timedelta(days=30)
                workspace.settings = {"digest_channel": channel}
        fake_slack.reset()
        now[0] = start + timedelta(days=7)  # the next Monday's digest is due: it covers the captures
        _wait(lambda: len(_runs(app.sessions)) == 2, timeout=60)
        assert _digests(fake_slack) == {GRID_CHANNEL: grid_token, "CT7": plain_token}
        [digest] = [c.params for c in fake_slack.calls("chat.postMessage") if c.params["channel"] == GRID_CHANNEL]
        assert "(3 pépites)" in str(digest["text"])
        shown = json.dumps(digest["blocks"], ensure_ascii=False)
        assert "Biocoop" in shown
    finally:
        app.server.stop()
        app.runtime.stop()
