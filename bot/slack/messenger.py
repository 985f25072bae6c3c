"""Best-effort sending: what the bot says when nothing depends on Slack taking it (a DM, a post, an
ephemeral line, an App Home). Each call logs Slack's refusal or the missing answer once, and returns
whether it went through; it never raises for Slack."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.slack.client import NO_ANSWER

log = logging.getLogger(__name__)


def _failed(failure: str, exc: Exception) -> bool:
    reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
    log.warning("%s: %s", failure, reason)
    return False


def post(
    client: WebClient,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    *,
    failure: str,
    **extra: Any,
) -> bool:
    """``chat.postMessage`` to a channel or a person (a user id opens the DM); False, logged, when it failed."""
    try:
        client.chat_postMessage(channel=channel, text=text, blocks=blocks, **extra)
        return True
    except (SlackApiError, *NO_ANSWER) as exc:
        return _failed(failure, exc)


def dm(client: WebClient, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None, *, failure: str) -> bool:
    """A direct message to one person; False, logged, when it failed."""
    return post(client, user_id, text, blocks, failure=failure)


def ephemeral(client: WebClient, channel: str, user_id: str, text: str, *, failure: str) -> bool:
    """A line only ``user_id`` sees in ``channel``; False, logged, when it failed."""
    try:
        client.chat_postEphemeral(channel=channel, user=user_id, text=text)
        return True
    except (SlackApiError, *NO_ANSWER) as exc:
        return _failed(failure, exc)


def publish(client: WebClient, user_id: str, view: View | dict[str, Any], *, failure: str) -> bool:
    """``views.publish`` a person's App Home; False, logged, when it failed."""
    try:
        client.views_publish(user_id=user_id, view=view)
        return True
    except (SlackApiError, *NO_ANSWER) as exc:
        return _failed(failure, exc)


def answer(respond: Respond, text: str, *, blocks: list[dict[str, Any]] | None = None) -> None:
    """A line for the person who clicked (ephemeral), or with ``blocks`` in place of the message clicked."""
    try:
        if blocks is not None:
            respond(text=text, blocks=blocks, replace_original=True)
        else:
            respond(text=text, response_type="ephemeral", replace_original=False)
    except (ValueError, SlackApiError) as exc:  # App Home has no response_url: nothing to answer there
        log.debug("no response_url to answer on: %s", exc)
