"""Every capture path stores text as Slack sent it and shows it readable; junk and the bot's own posts are
refused; an escalation vote never makes the voter the reporter (issue 12)."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import Mock

from slack_bolt import BoltContext

from bot import ids
from bot.listeners.commands import insight_command_callback
from bot.listeners.reactions import reaction_added_callback
from bot.listeners.shortcuts import capture_submission_callback, save_shortcut_callback
from bot.services import Services
from models.insights import get_insight
from models.read import card_by_id
from tests.support.fake_slack import FakeSlack

TEAM, CHANNEL = "T1", "C0VENTES01"
WIRE = (
    "Grosse promo chez <https://www.logistar.fr/promo|Logistar> &amp; co, vu par <@U0FARID01> "
    "dans <#C0VENTES01|ventes> <!here>"
)


def _context() -> BoltContext:
    return BoltContext(team_id=TEAM, bot_id="BBOT", bot_user_id="UBOT")


def _react(services: Services, client: Mock, user: str, reaction: str, ts: str, item_user: str = "U0EMMA001") -> None:
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item_user": item_user,
        "item": {"type": "message", "channel": CHANNEL, "ts": ts},
    }
    reaction_added_callback(services.capture, services.workspaces, event, {"team_id": TEAM}, client, _context())


def _insight_ids(services: Services) -> list[int]:
    with services.db.sessions.begin() as session:
        return [i for i in range(1, 20) if card_by_id(session, i) is not None]


def _stored_text(services: Services, insight_id: int) -> str:
    with services.db.sessions.begin() as session:
        card = card_by_id(session, insight_id)
        assert card is not None
        return card.text


def _texts(slack: FakeSlack, method: str, channel: str | None = None) -> list[str]:
    calls = [c for c in slack.calls(method) if channel is None or c.params.get("channel") == channel]
    return [json.dumps([c.params.get("text"), c.params.get("blocks")], ensure_ascii=False) for c in calls]


def test_reaction_stores_slack_form_and_every_surface_shows_it_readable(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    slack_state.users["U0FARID01"] = {"profile": {"display_name": "Farid", "real_name": "Farid B."}}
    slack_state.messages[(CHANNEL, "1.1")] = {"type": "message", "user": "U0EMMA001", "text": WIRE, "ts": "1.1"}
    _react(services, web_client, "U0EMMA001", "gem", "1.1")
    [insight_id] = _insight_ids(services)
    # Stored as Slack sent it (entities, real tokens), the mention labelled once with the display name.
    assert _stored_text(services, insight_id) == WIRE.replace("<@U0FARID01>", "<@U0FARID01|Farid>")
    [confirmation] = _texts(slack_state, "chat.postMessage", "U0EMMA001")
    assert "<https://www.logistar.fr/promo|Logistar>" in confirmation
    assert "@Farid" in confirmation and "#ventes" in confirmation and "@here" in confirmation
    assert "&amp;amp;" not in confirmation and "&lt;" not in confirmation and "<!here>" not in confirmation


def test_a_gem_on_the_bots_own_post_is_never_captured(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    digest = {"type": "message", "user": "UBOT", "bot_id": "BBOT", "text": "*Pépites de la semaine*", "ts": "2.2"}
    slack_state.messages[(CHANNEL, "2.2")] = digest
    _react(services, web_client, "U0EMMA001", "gem", "2.2", item_user="UBOT")
    slack_state.messages[(CHANNEL, "2.3")] = {**digest, "ts": "2.3"}
    _react(services, web_client, "U0EMMA001", "gem", "2.3", item_user="")  # item_user missing: read the message
    assert _insight_ids(services) == []


def test_a_reaction_on_emoji_only_text_is_refused_with_an_answer(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    slack_state.messages[(CHANNEL, "3.3")] = {
        "type": "message",
        "user": "U0EMMA001",
        "text": ":tada: :fire:",
        "ts": "3.3",
    }
    _react(services, web_client, "U0EMMA001", "gem", "3.3")
    assert _insight_ids(services) == []
    assert any("mots" in text for text in _texts(slack_state, "chat.postEphemeral"))


def test_escalation_votes_keep_the_author_as_reporter_and_show_each_voter_the_count(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    message = {"type": "message", "user": "U0AUTHOR1", "text": "Le VPN tombe encore chez Biocoop", "ts": "4.4"}
    slack_state.messages[(CHANNEL, "4.4")] = message
    for voter in ("U0VOTER01", "U0VOTER02"):
        _react(services, web_client, voter, "arrow_up", "4.4", item_user="U0AUTHOR1")
    [insight_id] = _insight_ids(services)
    # The author is told (their confirmation); no voter is thanked as the author.
    assert _texts(slack_state, "chat.postMessage", "U0AUTHOR1")
    assert not _texts(slack_state, "chat.postMessage", "U0VOTER01")
    assert not _texts(slack_state, "chat.postMessage", "U0VOTER02")
    ephemerals = {c.params["user"]: c.params["text"] for c in slack_state.calls("chat.postEphemeral")}
    assert "1/3" in ephemerals["U0VOTER01"] and "2/3" in ephemerals["U0VOTER02"]
    with services.db.sessions.begin() as session:
        insight = get_insight(session, TEAM, insight_id)
        assert insight is not None and insight.reporter_id == "U0AUTHOR1"


def _command(services: Services, client: Mock, text: str) -> dict[str, Any]:
    ack = Mock()
    body = {
        "team_id": TEAM,
        "user_id": "U0EMMA001",
        "channel_id": CHANNEL,
        "text": text,
        "trigger_id": f"trigger-{text}",
        "response_url": "https://hooks.slack.com/commands/T1/1/x",
    }
    insight_command_callback(services.capture, services.workspaces, ack, body, client)
    return dict(ack.call_args.kwargs)


def test_a_command_with_no_words_is_refused_clearly(services: Services, web_client: Mock) -> None:
    answer = _command(services, web_client, ":tada: :tada: :fire:")
    assert "mots" in answer["text"]
    assert _insight_ids(services) == []


def test_bravo_with_or_without_punctuation_is_answered_alike(services: Services, web_client: Mock) -> None:
    plain, excited = _command(services, web_client, "Bravo"), _command(services, web_client, "Bravo!")
    assert plain["text"].replace("Bravo", "") == excited["text"].replace("Bravo!", "")
    assert _insight_ids(services) == []


def test_a_command_is_stored_as_slack_sent_it(services: Services, web_client: Mock) -> None:
    answer = _command(services, web_client, "Prix &lt; 50 € chez <https://x.example/p|Coldtrack> <!channel>")
    [insight_id] = _insight_ids(services)
    assert _stored_text(services, insight_id) == "Prix &lt; 50 € chez <https://x.example/p|Coldtrack> <!channel>"
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "Prix &lt; 50 €" in shown and "<https://x.example/p|Coldtrack>" in shown and "@channel" in shown
    assert "<!channel>" not in shown


def test_the_shortcut_form_shows_readable_text_and_its_submission_is_encoded(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    slack_state.users["U0FARID02"] = {"profile": {"display_name": "Farid", "real_name": "Farid B."}}
    shortcut = {
        "team": {"id": TEAM},
        "user": {"id": "U0EMMA001"},
        "trigger_id": "t1",
        "channel": {"id": CHANNEL, "name": "ventes"},
        "message": {
            "user": "U0FARID02",
            "ts": "5.5",
            "text": "<!here> promo chez <https://www.logistar.fr|Logistar> par <@U0FARID02> &amp; co",
        },
    }
    save_shortcut_callback(services.workspaces, Mock(), shortcut, web_client)
    [opened] = slack_state.calls("views.open")
    view = opened.params["view"]
    element = next(b["element"] for b in view["blocks"] if b.get("block_id") == ids.BLOCK_TEXT)
    assert element["initial_value"] == "@here promo chez Logistar (https://www.logistar.fr) par @Farid & co"
    submitted = {
        "type": "modal",
        "id": "V1",
        "private_metadata": view["private_metadata"],
        "state": {"values": {ids.BLOCK_TEXT: {ids.INPUT_TEXT: {"value": "<b> & co"}}}},
    }
    ack = Mock()
    capture_submission_callback(
        services.capture,
        services.workspaces,
        ack,
        {"team": {"id": TEAM}, "user": {"id": "U0EMMA001"}},
        submitted,
        web_client,
    )
    [insight_id] = _insight_ids(services)
    assert _stored_text(services, insight_id) == "&lt;b&gt; &amp; co"


def test_the_shortcut_form_submitted_unchanged_keeps_the_message_as_slack_sent_it(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    """The form can only show «Logistar (https://…)»; sent back unchanged, the link keeps its label."""
    slack_state.users["U0FARID01"] = {"profile": {"display_name": "Farid", "real_name": "Farid B."}}
    shortcut = {
        "team": {"id": TEAM},
        "user": {"id": "U0EMMA001"},
        "trigger_id": "t1",
        "channel": {"id": CHANNEL, "name": "ventes"},
        "message": {"user": "U0NINA001", "ts": "6.6", "text": WIRE},
    }
    save_shortcut_callback(services.workspaces, Mock(), shortcut, web_client)
    view = slack_state.calls("views.open")[0].params["view"]
    shown = next(b["element"]["initial_value"] for b in view["blocks"] if b.get("block_id") == ids.BLOCK_TEXT)
    submitted = {
        "type": "modal",
        "id": "V2",
        "private_metadata": view["private_metadata"],
        "state": {"values": {ids.BLOCK_TEXT: {ids.INPUT_TEXT: {"value": shown}}}},
    }
    body = {"team": {"id": TEAM}, "user": {"id": "U0EMMA001"}}
    capture_submission_callback(services.capture, services.workspaces, Mock(), body, submitted, web_client)
    [insight_id] = _insight_ids(services)
    stored = _stored_text(services, insight_id)
    assert "<https://www.logistar.fr/promo|Logistar>" in stored and "<@U0FARID01|Farid>" in stored
    dm = _texts(slack_state, "chat.postMessage", "U0EMMA001")[-1]
    assert "<https://www.logistar.fr/promo|Logistar>" in dm and "@Farid" in dm and "<!here>" not in dm


def test_a_message_longer_than_the_form_is_said_not_cut_silently(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    shortcut = {
        "team": {"id": TEAM},
        "user": {"id": "U0EMMA001"},
        "trigger_id": "t1",
        "channel": {"id": CHANNEL},
        "message": {"user": "U0EMMA001", "ts": "6.6", "text": "mot " * 1000},
    }
    save_shortcut_callback(services.workspaces, Mock(), shortcut, web_client)
    shown = json.dumps(slack_state.calls("views.open")[0].params["view"], ensure_ascii=False)
    assert "3000" in shown.replace("\u202f", "").replace(" ", "") and "lien" in shown
