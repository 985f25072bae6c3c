"""Updates a reporter's confirmation once the insight is tagged (ephemeral reply or DM)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

from bot.views.cards import InsightCard
from bot.views.confirmation import confirmation_blocks, confirmation_text

log = logging.getLogger(__name__)


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


def send_to_response_url(url: str, payload: dict[str, Any]) -> bool:
    """Post to a response_url (5 uses in 30 minutes); False when Slack refused it."""
    response = WebhookClient(url, timeout=10, retry_handlers=retry_handlers()).send_dict(payload)
    if response.status_code != 200:
        log.warning("response_url answered %s", response.status_code)
        return False
    return True


def update_confirmation(client: WebClient, card: InsightCard, lang: str, where: dict[str, Any]) -> bool:
    """Replace the confirmation the reporter saw with one that shows the tags; False if it could not."""
    blocks = [b.to_dict() for b in confirmation_blocks(card, lang)]
    text = confirmation_text(card, lang)
    try:
        if where.get("response_url"):
            payload = {"replace_original": True, "response_type": "ephemeral", "text": text, "blocks": blocks}
            return send_to_response_url(str(where["response_url"]), payload)
        if where.get("channel") and where.get("ts"):
            client.chat_update(channel=str(where["channel"]), ts=str(where["ts"]), text=text, blocks=blocks)
            return True
    except SlackApiError as exc:
        log.warning("could not update the confirmation of insight %s: %s", card.id, exc.response.get("error"))
    except OSError as exc:
        log.warning("could not update the confirmation of insight %s: %s", card.id, type(exc).__name__)
    return False
