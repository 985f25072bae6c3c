"""The Slack Web API client of a process (with retries) and replies through a response_url."""

from __future__ import annotations

import logging
from http.client import HTTPException
from typing import Any, Final

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)

# Failures after which nobody knows whether Slack acted on the request: no answer came.
NO_ANSWER: Final = (OSError, HTTPException)


def retry_handlers(rate_limit_retries: int = 3) -> list[RetryHandler]:
    """Rate limits (honouring Retry-After), server errors and dropped connections are retried."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_web_client(token: str | None, base_url: str, timeout: int = 10, *, rate_limit_retries: int = 3) -> WebClient:
    """The one WebClient of a process, with slack_sdk's retry handlers enabled (a long read of a channel's
    history, which Slack rate-limits hard, waits out more ``Retry-After`` answers)."""
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=retry_handlers(rate_limit_retries))


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
