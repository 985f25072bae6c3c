"""A process killed between storing a reaction's insight and its confirmation DM: the event's re-run (the event
inbox takes it over once the claim is stale) tells the reporter once, and only then."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from slack_bolt import BoltContext

from bot.listeners import reactions
from bot.listeners.reactions import reaction_added_callback
from bot.services import Services
from models.insights import CONFIRMATION_UNSENT
from models.schema import Insight
from tests.support.fake_slack import FakeSlack

TEAM, CHANNEL, AUTHOR, TS = "T1", "C0TERRAIN1", "U0EMMA001", "7.7"


class Killed(BaseException):
    """Stands for the process dying at that point (nothing after it runs)."""


def _react(services: Services, client: Mock) -> None:
    event = {
        "type": "reaction_added",
        "user": AUTHOR,
        "reaction": "gem",
        "item_user": AUTHOR,
        "item": {"type": "message", "channel": CHANNEL, "ts": TS},
    }
    context = BoltContext(team_id=TEAM, bot_id="BBOT", bot_user_id="UBOT")
    reaction_added_callback(services.capture, services.workspaces, event, {"team_id": TEAM}, client, context)


def _dms(slack: FakeSlack) -> int:
    return len([c for c in slack.calls("chat.postMessage") if c.params.get("channel") == AUTHOR])


def _confirmations(services: Services) -> list[dict[str, Any]]:
    with services.db.sessions.begin() as session:
        return [dict(row.confirmation) for row in session.query(Insight).all()]


def _die_before_the_dm(*args: Any, **kwargs: Any) -> None:
    raise Killed


@pytest.fixture
def message(slack_state: FakeSlack) -> None:
    text = "Le client Biocoop attend toujours son avoir de mars"
    slack_state.messages[(CHANNEL, TS)] = {"type": "message", "user": AUTHOR, "text": text, "ts": TS}


@pytest.mark.usefixtures("message")
def test_a_reaction_rerun_after_a_kill_before_the_dm_tells_the_reporter_once(
    services: Services, web_client: Mock, slack_state: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(reactions, "send_confirmation", _die_before_the_dm)
        with pytest.raises(Killed):
            _react(services, web_client)
    assert _dms(slack_state) == 0 and _confirmations(services) == [{}]  # stored, never told

    _react(services, web_client)  # the event inbox runs the event again
    assert _dms(slack_state) == 1
    [where] = _confirmations(services)
    assert where.get("channel") and where.get("ts")  # kept: the tagged update replaces that DM

    _react(services, web_client)  # the same event once more (or the reaction taken off and put back)
    assert _dms(slack_state) == 1


@pytest.mark.usefixtures("message")
def test_a_refused_dm_is_not_sent_again_on_a_rerun(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    slack_state.fail_next("chat.postMessage", error="cannot_dm_bot")
    _react(services, web_client)
    assert _dms(slack_state) == 1  # the refused attempt
    assert len(slack_state.calls("chat.postEphemeral")) == 1  # told in the channel instead
    assert _confirmations(services) == [CONFIRMATION_UNSENT]

    _react(services, web_client)
    assert _dms(slack_state) == 1 and len(slack_state.calls("chat.postEphemeral")) == 1
