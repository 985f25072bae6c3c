"""Two workspaces with the same user and channel ids: nothing of one ever shows in the other (search, mine,
export, votes, App Home, digest)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.cli.export import write_export
from bot.flows.digest import build_weekly, last_days
from bot.jobs.tagger_process import SubprocessTagger
from bot.workspace_config import WorkspaceConfig
from models.schema import Workspace
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.helpers import blocks_text, stored
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import block_actions_payload

SECRETS = {"T1": "Le client Biocoop va signer pour 40 magasins", "T2": "Le client Kelvio menace de résilier"}


@pytest.fixture
def pepites(database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger) -> Iterator[Pepites]:
    app = start_pepites(database_url, fake_slack, shared_tagger)
    yield app
    app.server.stop()
    app.runtime.stop()


def test_two_workspaces_never_see_each_other(pepites: Pepites) -> None:
    for team, text in SECRETS.items():  # the same person and channel ids in both workspaces
        assert pepites.slack.command(text, team_id=team, user_id="U1", channel_id="C1").status == 200
    assert pepites.runtime.services.tagging.wait_idle(60)
    ids = {i.workspace_id: i.id for i in stored(pepites.sessions)}
    with pepites.sessions.begin() as session:
        team_of_workspace = {w.id: w.team_id for w in session.scalars(select(Workspace))}
    by_team = {team_of_workspace[w]: i for w, i in ids.items()}
    for team, other in (("T1", "T2"), ("T2", "T1")):
        mine = blocks_text(pepites.slack.command("mine", team_id=team, user_id="U1").json())
        found = blocks_text(pepites.slack.command("search client", team_id=team).json())
        for shown in (mine, found):
            assert SECRETS[other] not in shown and SECRETS[team] in shown
        out = io.StringIO()
        write_export(pepites.sessions, team, "jsonl", out)
        assert SECRETS[other] not in out.getvalue() and SECRETS[team] in out.getvalue()
        with pepites.sessions.begin() as session:
            workspace = session.scalars(select(Workspace).where(Workspace.team_id == team)).one()
            now = datetime.now(UTC) + timedelta(minutes=1)
            weekly = build_weekly(
                session, workspace.id, WorkspaceConfig(), last_days(now, WorkspaceConfig()), persist=False
            )
        assert weekly.digest.total.count == 1 and SECRETS[other] not in json.dumps(weekly.blocks, ensure_ascii=False)
    # A click in T2 naming T1's insight id finds nothing and changes nothing.
    url = pepites.fake.response_url("cross")
    pepites.slack.interactive(
        block_actions_payload("insight_me_too", str(by_team["T1"]), user_id="U1", team_id="T2", response_url=url)
    )
    [answer] = pepites.fake.wait_for("response_url")
    assert "n'existe plus" in answer.params["text"]
    pepites.slack.interactive(block_actions_payload("insight_delete", str(by_team["T1"]), user_id="U1", team_id="T2"))
    assert len(stored(pepites.sessions)) == 2
    for team in ("T1", "T2"):
        event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1.1"}
        assert pepites.slack.event(event, team_id=team).status == 200
    published = pepites.fake.wait_for("views.publish", count=2)
    homes = [json.dumps(c.params["view"], ensure_ascii=False) for c in published]
    assert sum(SECRETS["T1"] in h for h in homes) == 1 and sum(SECRETS["T2"] in h for h in homes) == 1
    assert not any(SECRETS["T1"] in h and SECRETS["T2"] in h for h in homes)
