"""Closing the loop: tell the person who reported an insight what happened to it, anonymous or not."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.slack import messenger
from models.privacy import ReporterVault
from models.schema import Insight

log = logging.getLogger(__name__)


def reporter_user_id(vault: ReporterVault, insight: Insight) -> str | None:
    """The reporter's Slack id: in clear, or unsealed for the one DM (never stored or logged unsealed)."""
    if insight.reporter_id:
        return insight.reporter_id
    if insight.reporter_sealed:
        try:
            return vault.unseal(insight.reporter_sealed)[1]
        except ValueError:
            log.error("insight %s: its reporter was sealed with another key", insight.id)
    return None


def tell_reporter(client: WebClient, user_id: str | None, insight_id: int, text: str, blocks: list[Any]) -> bool:
    """DM the reporter; False (and a log line naming only the insight) when Slack refused."""
    if not user_id:
        return False
    return messenger.dm(client, user_id, text, blocks, failure=f"could not tell the reporter of insight {insight_id}")
