"""The small shared pieces of bot/slack: the TTL cache and the best-effort messenger."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.slack import messenger
from bot.slack.cache import TTLCache


def test_cache_loads_once_while_fresh_and_again_when_stale() -> None:
    now = [0.0]
    cache: TTLCache[str, int | None] = TTLCache(30, clock=lambda: now[0])
    loads: list[str] = []

    def load() -> int | None:
        loads.append("x")
        return None  # None is a value like any other

    assert cache.get_or_load("T1", load) is None
    now[0] = 29
    assert cache.get_or_load("T1", load) is None
    now[0] = 31
    cache.get_or_load("T1", load)
    assert len(loads) == 2


def test_cache_keeps_nothing_when_loading_fails_and_remembers_the_last_value() -> None:
    now = [0.0]
    cache: TTLCache[str, int] = TTLCache(30, clock=lambda: now[0])
    assert cache.get_or_load("T1", lambda: 1) == 1
    now[0] = 60

    def failing() -> int:
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        cache.get_or_load("T1", failing)
    assert cache.last("T1", 0) == 1
    assert cache.last("T2", 0) == 0
    cache.forget("T1")
    assert not cache.has("T1")


def _refusal(error: str) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=200,
    )
    return SlackApiError(error, response)


@pytest.mark.parametrize("failure", [_refusal("channel_not_found"), TimeoutError("slow")])
def test_messenger_logs_a_failure_once_and_returns_false(failure: Exception, caplog: Any) -> None:
    client = Mock(WebClient)
    client.chat_postMessage.side_effect = failure
    client.chat_postEphemeral.side_effect = failure
    client.views_publish.side_effect = failure
    assert messenger.dm(client, "U1", "hello", failure="could not DM") is False
    assert messenger.ephemeral(client, "C1", "U1", "hello", failure="could not tell") is False
    assert messenger.publish(client, "U1", {"type": "home", "blocks": []}, failure="could not publish") is False
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "could not DM",
        "could not tell",
        "could not publish",
    ]


def test_messenger_returns_true_when_slack_took_it() -> None:
    client = Mock(WebClient)
    assert messenger.post(client, "C1", "hello", [{"type": "divider"}], failure="x") is True
    client.chat_postMessage.assert_called_once_with(channel="C1", text="hello", blocks=[{"type": "divider"}])
