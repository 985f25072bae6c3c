"""Enterprise Grid and Slack Connect over signed HTTP, with payloads shaped like Slack's (Grid fields, W users,
``authorizations``, a Connect channel whose events name the person's own team): one insight per message in
the installed workspace, whoever reacts from wherever; an org-wide install; captured messages edited and deleted."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.jobs.tagger_process import SubprocessTagger
from models.schema import DigestRun, Vote, Workspace
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.helpers import stored
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import (
    API_APP_ID,
    BOT_USER_ID,
    JSON,
    VERIFICATION_TOKEN,
    reaction_event,
    slack_message,
)

CHANNEL, TS = "C0SHARED", "1700000200.000100"
INSTALLED = {
    "enterprise_id": "E1",
    "team_id": "T111",
    "user_id": BOT_USER_ID,
    "is_bot": True,
    "is_enterprise_install": False,
}
ORG_WIDE = {
    "enterprise_id": "E1",
    "team_id": None,
    "user_id": BOT_USER_ID,
    "is_bot": True,
    "is_enterprise_install": True,
}
_serial = iter(range(1, 10_000))


def envelope(event: dict[str, Any], *, team: str, enterprise: str | None, auth: dict[str, Any], shared: bool) -> bytes:
    """An event as Slack delivers it to the installed app: ``team_id`` may be the acting person's team."""
    body = {
        "token": VERIFICATION_TOKEN,
        "team_id": team,
        "enterprise_id": enterprise,
        "context_team_id": auth["team_id"],
        "context_enterprise_id": auth["enterprise_id"],
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"EvGRID{next(_serial):06d}",
        "event_time": int(time.time()),
        "authorizations": [auth],
        "is_ext_shared_channel": shared,
        "event_context": "4-grid",
    }
    return json.dumps(body).encode()


def react(pepites: Pepites, emoji: str, user: str, team: str, enterprise: str | None, **kw: Any) -> None:
    event = {**reaction_event(emoji, user=user, item_channel=CHANNEL, item_ts=TS, item_user="U0EXT"), "user_team": team}
    body = envelope(
        event, team=team, enterprise=enterprise, auth=kw.get("auth", INSTALLED), shared=kw.get("shared", True)
    )
    assert pepites.slack.post(body, JSON).status == 200


def test_a_connect_message_is_one_insight_with_one_vote_count_in_the_installed_workspace(pepites: Pepites) -> None:
    # Written by a partner (another organisation), in a channel shared by two workspaces of org E1 and the partner.
    message = {**slack_message("Le portail fournisseur refuse nos factures depuis lundi.", user="U0EXT", ts=TS)}
    message.update(user_team="T0EXT", source_team="T0EXT")
    pepites.fake.messages[(CHANNEL, TS)] = message
    react(pepites, "gem", "W0A", "T111", "E1")  # a person of the installed workspace saves it
    pepites.fake.wait_for("chat.postMessage")
    react(pepites, "arrow_up", "W0B", "T222", "E1")  # a person of the org's other workspace votes
    react(pepites, "arrow_up", "U0EXT2", "T0EXT", "E9")  # a partner votes
    pepites.fake.wait_for("chat.postEphemeral", count=2)
    [insight] = stored(pepites.sessions)
    assert insight.idempotency_key == f"message:T111:{CHANNEL}:{TS}" and insight.reporter_id == "W0A"
    assert insight.external is False
    with pepites.sessions.begin() as session:
        assert session.scalars(select(Workspace.team_id)).all() == ["T111"]
        votes = session.scalar(select(func.count()).select_from(Vote).where(Vote.insight_id == insight.id))
    assert votes == 2


def test_an_external_author_voted_first_is_flagged_external(pepites: Pepites) -> None:
    message = {**slack_message("Your API times out on every export since Monday.", user="U0EXT", ts=TS)}
    message.update(user_team="T0EXT")
    pepites.fake.messages[(CHANNEL, TS)] = message
    react(pepites, "arrow_up", "W0A", "T111", "E1")  # a vote: the partner who wrote it is the reporter
    pepites.fake.wait_for("chat.postEphemeral")
    [insight] = stored(pepites.sessions)
    assert (insight.reporter_id, insight.external) == ("U0EXT", True)


def test_an_org_wide_install_is_one_workspace_keyed_by_its_org(pepites: Pepites) -> None:
    granted = {"type": "team_access_granted", "team_ids": ["T333"], "event_ts": f"{time.time():.6f}"}
    assert (
        pepites.slack.post(envelope(granted, team="E1", enterprise="E1", auth=ORG_WIDE, shared=False), JSON).status
        == 200
    )
    home = {"type": "app_home_opened", "user": "W0C", "channel": "D1", "tab": "home", "event_ts": "1.2"}
    assert (
        pepites.slack.post(envelope(home, team="T333", enterprise="E1", auth=ORG_WIDE, shared=False), JSON).status
        == 200
    )
    pepites.fake.messages[(CHANNEL, TS)] = slack_message(
        "Les badges du site de Nantes ne marchent plus.", user="W0D", ts=TS
    )
    react(pepites, "gem", "W0C", "T333", "E1", auth=ORG_WIDE, shared=False)
    pepites.fake.wait_for("chat.postMessage")
    [insight] = stored(pepites.sessions)
    assert insight.idempotency_key == f"message:E1:{CHANNEL}:{TS}"
    with pepites.sessions.begin() as session:
        rows = session.execute(
            select(Workspace.team_id, Workspace.enterprise_id, Workspace.is_enterprise_install)
        ).all()
    assert [tuple(r) for r in rows] == [("E1", "E1", True)]  # never a workspace with team_id=''
    revoked = {"type": "team_access_revoked", "team_ids": ["T333"], "event_ts": "1.3"}
    assert (
        pepites.slack.post(envelope(revoked, team="E1", enterprise="E1", auth=ORG_WIDE, shared=False), JSON).status
        == 200
    )


def test_a_captured_message_follows_its_edit_and_its_deletion(pepites: Pepites) -> None:
    pepites.fake.messages[(CHANNEL, TS)] = slack_message("La imprimante du 3e est en panne.", user="W0D", ts=TS)
    react(pepites, "gem", "W0A", "T111", "E1", shared=False)
    pepites.fake.wait_for("chat.update", timeout=60)  # tagged once
    edited_text = "L'imprimante du 3e est en panne depuis lundi, les devis clients partent en retard."
    edit = {
        "type": "message",
        "subtype": "message_changed",
        "channel": CHANNEL,
        "hidden": True,
        "ts": "1700000300.000200",
        "message": {
            "type": "message",
            "user": "W0D",
            "text": edited_text,
            "ts": TS,
            "edited": {"user": "W0D", "ts": "1700000300.000000"},
        },
        "previous_message": {"type": "message", "user": "W0D", "text": "La imprimante du 3e est en panne.", "ts": TS},
    }
    assert (
        pepites.slack.post(envelope(edit, team="T111", enterprise="E1", auth=INSTALLED, shared=False), JSON).status
        == 200
    )
    pepites.fake.wait_for("chat.update", count=2, timeout=60)  # tagged again, the confirmation updated
    [insight] = stored(pepites.sessions)
    assert insight.text == edited_text and insight.tagged_at is not None
    other = {"type": "message", "channel": CHANNEL, "user": "W0D", "text": "Merci !", "ts": "1700000400.000100"}
    assert (
        pepites.slack.post(envelope(other, team="T111", enterprise="E1", auth=INSTALLED, shared=False), JSON).status
        == 200
    )
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": CHANNEL,
        "hidden": True,
        "deleted_ts": TS,
        "ts": "1700000500.000100",
        "previous_message": {"type": "message", "user": "W0D", "text": edited_text, "ts": TS},
    }
    redelivered = envelope(deleted, team="T111", enterprise="E1", auth=INSTALLED, shared=False)
    for _ in range(2):  # Slack's retry keeps the event id: one DM
        assert pepites.slack.post(redelivered, JSON).status == 200
    dms = pepites.fake.wait_for("chat.postMessage", count=2)
    assert dms[-1].params["channel"] == "W0A" and "supprimé" in dms[-1].params["text"]
    [insight] = stored(pepites.sessions)
    assert "supprimé par son auteur" in insight.text and insight.keywords == [] and insight.permalink is None
    time.sleep(0.5)
    assert len(pepites.fake.calls("chat.postMessage")) == 2


def test_a_connect_channel_makes_one_digest_of_the_installed_workspace_with_the_partners_insight_flagged(
    database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    """Reactions from the installed workspace, the org's other workspace and a partner: one digest, the installed
    workspace's, where what the partner reported is flagged external; the partner was shown nothing internal."""
    start = datetime.now(UTC)
    now = [start]
    app = start_pepites(
        database_url, fake_slack, shared_tagger, schedule=True, clock=lambda: now[0], PEPITES_DIGEST_CHANNEL="C0DIGEST"
    )
    try:
        said = "Le portail fournisseur refuse nos factures depuis lundi."
        fake_slack.messages[(CHANNEL, TS)] = {**slack_message(said, user="W0D", ts=TS), "user_team": "T111"}
        partner_ts = "1700000300.000100"
        partner_said = "Vos livraisons à Rennes arrivent avec deux jours de retard, notre client final râle."
        partner_message = {**slack_message(partner_said, user="U0EXT", ts=partner_ts), "user_team": "T0EXT"}
        fake_slack.messages[(CHANNEL, partner_ts)] = partner_message
        react(app, "gem", "W0A", "T111", "E1")  # a colleague saves the colleague's message
        react(app, "arrow_up", "W0B", "T222", "E1")  # the org's other workspace votes
        react(app, "arrow_up", "U0EXT2", "T0EXT", "E9")  # a partner votes
        event = {
            **reaction_event("gem", user="U0EXT", item_channel=CHANNEL, item_ts=partner_ts, item_user="U0EXT"),
            "user_team": "T0EXT",
        }
        partner_gem = envelope(event, team="T0EXT", enterprise="E9", auth=INSTALLED, shared=True)
        assert app.slack.post(partner_gem, JSON).status == 200
        app.runtime.services.inbox.wait_idle()
        [partner_dm] = [c for c in fake_slack.wait_for("chat.postMessage", count=2) if c.params["channel"] == "U0EXT"]
        shown = json.dumps([partner_dm.params["text"], partner_dm.params["blocks"]], ensure_ascii=False)
        assert partner_said in shown and "L'équipe va la lire" in shown
        assert "Type" not in shown and "Signal client" not in shown and "Changer" not in shown
        insights = stored(app.sessions)
        assert [(i.text, i.external) for i in insights] == [(said, False), (partner_said, True)]
        with app.sessions.begin() as session:
            assert session.scalars(select(Workspace.team_id)).all() == ["T111"]
            workspace = session.scalars(select(Workspace)).one()
            workspace.created_at = start - timedelta(days=30)
        fake_slack.reset()
        now[0] = start + timedelta(days=7)  # the next digest is due: it covers these captures
        deadline = time.monotonic() + 60
        while not _posted_runs(app):
            assert time.monotonic() < deadline, "no digest posted"
            time.sleep(0.1)
        time.sleep(1.0)  # a digest for another team's "workspace" would come now
        digests = [c for c in fake_slack.calls("chat.postMessage") if c.params["channel"] == "C0DIGEST"]
        assert len(digests) == 1 and "(2 pépites)" in str(digests[0].params["text"])
        sections = [b["text"]["text"] for b in digests[0].params["blocks"] if b.get("type") == "section"]
        flagged = [s for s in sections if "externe (Slack Connect)" in s]
        assert flagged and all("Rennes" in s for s in flagged)  # the partner's, not the colleague's
        assert _posted_runs(app) == ["posted"]
    finally:
        app.server.stop()
        app.runtime.stop()


def _posted_runs(app: Pepites) -> list[str]:
    with app.sessions.begin() as session:
        return [r.status for r in session.scalars(select(DigestRun).where(DigestRun.status == "posted"))]
