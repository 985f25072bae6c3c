"""Slack Web API calls made before a request's 2xx are bounded: with Slack slow, ``/insight`` mentioning someone
is still answered in time and stored, the name read afterwards; a manager check that gets no answer refuses
at once instead of hanging (Slack's 3 s)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from unittest.mock import Mock

import pytest

from bot.i18n import t
from bot.listeners.commands import insight_command_callback
from bot.runtime import build_runtime
from bot.services import Services
from bot.slack.client import make_web_client
from bot.slack.directory import PRE_ACK_BUDGET
from bot.slack.managers import ManagerDirectory
from bot.workspace_config import WorkspaceConfig
from models.read import card_by_id
from tests.bot.conftest import make_settings
from tests.support.fake_slack import FakeSlack, running_fake_slack

TEAM = "T1"
TEXT = "Le client Biocoop attend l'export PDF depuis un mois, <@U0FARID07> l'a promis pour lundi"
SLACK_SLOW = 4.0  # seconds users.info takes to answer: beyond any pre-ack budget


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with running_fake_slack() as served:
        yield served


def _command(services: Services, client: Any, text: str, trigger: str) -> tuple[dict[str, Any], float]:
    ack = Mock()
    body = {
        "team_id": TEAM,
        "user_id": "U0EMMA007",
        "channel_id": "C0VENTES07",
        "text": text,
        "trigger_id": trigger,
        "response_url": "https://hooks.slack.com/commands/T1/7/x",
    }
    started = time.monotonic()
    insight_command_callback(services.capture, services.workspaces, ack, body, client)
    return dict(ack.call_args.kwargs), time.monotonic() - started


def _stored_texts(services: Services) -> list[str]:
    with services.db.sessions.begin() as session:
        cards = [card_by_id(session, i) for i in range(1, 10)]
        return [card.text for card in cards if card is not None]


def test_insight_naming_someone_is_answered_in_time_while_users_info_hangs_and_the_name_shows_later(
    services: Services, fake: FakeSlack
) -> None:
    fake.users["U0FARID07"] = {"profile": {"display_name": "Farid", "real_name": "Farid B."}}
    fake.fail_next("users.info", delay=SLACK_SLOW)  # the lookup before the 2xx hangs; the next one answers,
    fake.fail_next("users.info", delay=1.0)  # a second later: the text is read as stored at once before that
    client = make_web_client("xoxb-test-token", fake.base_url)  # the process's client: 10 s, retries

    answer, took = _command(services, client, TEXT, "trigger-slow")

    assert took < PRE_ACK_BUDGET + 0.5  # Slack's deadline is 3 s
    assert "Pépite n°1 enregistrée" in json.dumps(answer["blocks"], ensure_ascii=False)
    assert _stored_texts(services) == [TEXT]  # stored at once, the mention as Slack sent it
    deadline = time.monotonic() + 5
    while _stored_texts(services) == [TEXT] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _stored_texts(services) == [TEXT.replace("<@U0FARID07>", "<@U0FARID07|Farid>")]
    found, _ = _command(services, client, "search export PDF", "trigger-search")
    shown = json.dumps(found["blocks"], ensure_ascii=False)
    assert "@Farid" in shown and "U0FARID07" not in shown


def test_a_name_slack_did_not_give_in_time_is_asked_again_not_kept_missing(services: Services, fake: FakeSlack) -> None:
    fake.users["U0FARID07"] = {"profile": {"display_name": "Farid"}}
    fake.delays["users.info"] = SLACK_SLOW  # Slack slow for the capture and for the lookup after it
    client = make_web_client("xoxb-test-token", fake.base_url)

    _, took = _command(services, client, TEXT, "trigger-1")
    assert took < PRE_ACK_BUDGET + 0.5
    fake.delays.clear()  # Slack is back: the next mention of Farid is named before the answer
    answer, _ = _command(services, client, "Et <@U0FARID07> relance Biocoop mardi", "trigger-2")

    assert "@Farid" in json.dumps(answer["blocks"], ensure_ascii=False)


def test_a_manager_check_slack_does_not_answer_refuses_at_once_then_asks_again(fake: FakeSlack) -> None:
    fake.usergroups["S0MANAGERS"] = ["U0LEA0007"]
    fake.users["U0ADMIN07"] = {"is_admin": True}
    config = WorkspaceConfig(manager_group="S0MANAGERS")
    client = make_web_client("xoxb-test-token", fake.base_url)
    managers = ManagerDirectory()
    fake.fail_next("usergroups.users.list", delay=SLACK_SLOW)
    fake.fail_next("users.info", delay=SLACK_SLOW)

    started = time.monotonic()
    refused = managers.configure_refusal(client, config, TEAM, "U0ADMIN07", "config_not_allowed")

    assert time.monotonic() - started < 2 * PRE_ACK_BUDGET + 0.5  # two lookups, each within its budget
    assert refused == "slack_slow"  # "try again", never "not allowed" to someone who may be, never a hang
    assert "Réessayez" in t("fr", refused) and "Try again" in t("en", refused)
    assert managers.act_refusal(client, config, "U0LEA0007") is None  # no answer was kept: asked again
    assert managers.configure_refusal(client, config, TEAM, "U0ADMIN07", "config_not_allowed") is None
    assert managers.act_refusal(client, config, "U0ADMIN07") == "not_manager"


def test_a_manager_check_slack_does_not_answer_uses_the_list_read_before(fake: FakeSlack) -> None:
    fake.usergroups["S0MANAGERS"] = ["U0LEA0007"]
    config = WorkspaceConfig(manager_group="S0MANAGERS")
    client = make_web_client("xoxb-test-token", fake.base_url)
    managers = ManagerDirectory(ttl=0)  # every check asks Slack again
    assert managers.may_act(client, config, "U0LEA0007") is True
    fake.fail_next("usergroups.users.list", delay=SLACK_SLOW)

    started = time.monotonic()
    assert managers.may_act(client, config, "U0LEA0007") is True
    assert managers.act_refusal(client, config, "U0TOM0007") == "not_manager"
    assert time.monotonic() - started < PRE_ACK_BUDGET + 0.5


def test_insight_config_while_slack_hangs_says_try_again_within_the_budget(sqlite_url: str, fake: FakeSlack) -> None:
    runtime = build_runtime(
        make_settings(sqlite_url, fake.base_url, PEPITES_MANAGER_GROUP="S0MANAGERS"), token_verification=False
    )
    try:
        fake.usergroups["S0MANAGERS"] = ["U0LEA0007"]
        fake.fail_next("usergroups.users.list", delay=SLACK_SLOW)
        fake.fail_next("users.info", delay=SLACK_SLOW)
        ack = Mock()
        body = {"team_id": TEAM, "user_id": "U0LEA0007", "text": "config", "trigger_id": "trigger-config"}
        services = runtime.services
        started = time.monotonic()
        insight_command_callback(services.capture, services.workspaces, ack, body, services.client)

        assert time.monotonic() - started < 2 * PRE_ACK_BUDGET + 0.5
        assert "Réessayez" in ack.call_args.kwargs["text"]
        assert fake.calls("views.open") == []
    finally:
        runtime.stop()
