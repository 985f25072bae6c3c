"""Updates a reporter's confirmation once the insight is tagged (ephemeral reply or DM).

A stored insight stays stored whatever Slack answers; what these functions protect is the person's view of
it. A confirmation that cannot be updated is sent again as a new direct message; one that got no answer is
replaced once more (replacing is harmless when the first one went through); a reporter whose confirmation
could not be sent at all is told in the channel they captured from, in the workspace's language.
"""

from __future__ import annotations

import logging
from http.client import HTTPException
from typing import Any, Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

from bot.i18n import t
from bot.views.cards import InsightCard
from bot.views.confirmation import confirmation_blocks, confirmation_text

log = logging.getLogger(__name__)

# Failures after which nobody knows whether Slack acted on the request: no answer came.
NO_ANSWER: Final = (OSError, HTTPException)


def retry_handlers() -> list[RetryHandler]:
    """Rate limits (honouring Retry-After), server errors and dropped connections are retried."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_web_client(token: str | None, base_url: str, timeout: int = 10) -> WebClient:
    """The one WebClient of a process, with slack_sdk's retry handlers enabled."""
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=retry_handlers())


def send_to_response_url(url: str, payload: dict[str, Any], *, timeout: int = 10) -> bool:
    """Post to a response_url (5 uses in 30 minutes); False when Slack refused it or never answered.

    A replacement (``replace_original``) that got no answer is sent once more: replacing twice shows one
    message, whereas a new message sent twice would show two.
    """
    attempts = 2 if payload.get("replace_original") else 1
    for attempt in range(1, attempts + 1):
        try:
            response = WebhookClient(url, timeout=timeout, retry_handlers=retry_handlers()).send_dict(payload)
        except NO_ANSWER as exc:
            log.warning("response_url gave no answer (%s, attempt %d)", type(exc).__name__, attempt)
            continue
        if response.status_code != 200:
            log.warning("response_url answered %s", response.status_code)
            return False
        return True
    return False


def update_confirmation(client: WebClient, card: InsightCard, lang: str, where: dict[str, Any]) -> bool:
    """Replace the confirmation the reporter saw with one that shows the tags; False if it could not."""
    blocks = [b.to_dict() for b in confirmation_blocks(card, lang)]
    text = confirmation_text(card, lang)
    if where.get("response_url"):
        payload = {"replace_original": True, "response_type": "ephemeral", "text": text, "blocks": blocks}
        return send_to_response_url(str(where["response_url"]), payload, timeout=client.timeout)
    if where.get("channel") and where.get("ts"):
        return _update_message(client, card.id, str(where["channel"]), str(where["ts"]), text, blocks)
    return False


def _update_message(
    client: WebClient, insight_id: int, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]
) -> bool:
    """``chat.update`` the DM; refused, the tagged confirmation goes as a new DM; unanswered, it is tried again."""
    for _ in (1, 2):
        try:
            client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
            return True
        except SlackApiError as exc:
            log.warning("could not update the confirmation of insight %s: %s", insight_id, exc.response.get("error"))
            break
        except NO_ANSWER as exc:
            log.warning("updating the confirmation of insight %s: no answer (%s)", insight_id, type(exc).__name__)
    else:
        return False  # twice without an answer: it may have gone through, and a new DM would then show twice
    try:
        client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        return True
    except SlackApiError as exc:
        log.warning("could not send the confirmation of insight %s again: %s", insight_id, exc.response.get("error"))
    except NO_ANSWER as exc:
        log.warning("could not send the confirmation of insight %s again: %s", insight_id, type(exc).__name__)
    return False


def confirm_by_dm(
    client: WebClient, user_id: str, channel_id: str | None, card: InsightCard, lang: str, *, again: bool
) -> dict[str, Any]:
    """DM the reporter their confirmation; where it is (for the tagged update), or {} when it was not sent.

    When the DM is refused or unanswered, the reporter is told in ``channel_id`` (ephemeral) that the
    insight is saved and where to find it: the insight is stored either way, and must not be shared twice.
    """
    text = confirmation_text(card, lang, again=again)
    try:
        response = client.chat_postMessage(
            channel=user_id, text=text, blocks=[b.to_dict() for b in confirmation_blocks(card, lang, again=again)]
        )
        return {"channel": response.get("channel"), "ts": response.get("ts")}
    except SlackApiError as exc:
        log.warning("could not confirm insight %s to its reporter: %s", card.id, exc.response.get("error"))
    except NO_ANSWER as exc:
        log.warning("could not confirm insight %s to its reporter: %s", card.id, type(exc).__name__)
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=t(lang, "saved_unconfirmed", id=card.id))
        except SlackApiError as exc:
            log.warning("could not tell the reporter of insight %s either: %s", card.id, exc.response.get("error"))
        except NO_ANSWER as exc:
            log.warning("could not tell the reporter of insight %s either: %s", card.id, type(exc).__name__)
    return {}
