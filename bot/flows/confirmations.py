"""The reporter's confirmation: sent when an insight is stored, replaced with the tags once it is tagged.

A stored insight stays stored whatever Slack answers; what these functions protect is the person's view of
it. A confirmation that cannot be updated is sent again as a new direct message; one that got no answer is
replaced once more (replacing is harmless when the first one went through); a reporter whose confirmation
could not be sent at all is told in the channel they captured from, in the workspace's language.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.flows.capture import keep_confirmation
from bot.i18n import t
from bot.services import Capture
from bot.slack import messenger
from bot.slack.client import NO_ANSWER, send_to_response_url
from bot.views.blocks import as_dicts
from bot.views.confirmation import confirmation_blocks, confirmation_text
from models.insights import CONFIRMATION_UNSENT
from models.read import InsightCard, card_by_id

log = logging.getLogger(__name__)


def send_confirmation(
    capture: Capture,
    client: WebClient,
    lang: str,
    user_id: str,
    card: InsightCard,
    *,
    created: bool,
    permalink: str | None,
    channel_id: str | None = None,
) -> None:
    """DM the reporter what was stored (updated once tagged; told in ``channel_id`` when the DM fails), then
    queue the tagging: a Slack fault never stops what follows."""
    where = confirm_by_dm(client, user_id, channel_id, card, lang, again=not created)
    if created:
        keep_confirmation(capture.db, card.id, where, permalink)
        capture.tagging.submit(card.id)


def send_owed_confirmation(
    capture: Capture, client: WebClient, lang: str, user_id: str, insight_id: int, channel_id: str | None
) -> None:
    """The confirmation of a stored insight whose process stopped before sending it, sent as the first would be
    (then kept, and the tagging queued)."""
    with capture.db.sessions.begin() as session:
        card = card_by_id(session, insight_id)
    if card is not None:
        send_confirmation(capture, client, lang, user_id, card, created=True, permalink=None, channel_id=channel_id)


def confirm_by_dm(
    client: WebClient, user_id: str, channel_id: str | None, card: InsightCard, lang: str, *, again: bool
) -> dict[str, Any]:
    """DM the reporter their confirmation; where it is (for the tagged update), or ``CONFIRMATION_UNSENT``.

    When the DM is refused or unanswered, the reporter is told in ``channel_id`` (ephemeral) that the
    insight is saved and where to find it: the insight is stored either way, and must not be shared twice.
    """
    text = confirmation_text(card, lang, again=again)
    blocks = as_dicts(confirmation_blocks(card, lang, again=again))
    try:
        response = client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        return {"channel": response.get("channel"), "ts": response.get("ts")}
    except SlackApiError as exc:
        log.warning("could not confirm insight %s to its reporter: %s", card.id, exc.response.get("error"))
    except NO_ANSWER as exc:
        log.warning("could not confirm insight %s to its reporter: %s", card.id, type(exc).__name__)
    if channel_id:
        failure = f"could not tell the reporter of insight {card.id} either"
        # Someone of another organisation cannot look it up in the workspace (no /insight mine for them).
        told = t(lang, "external_saved_unconfirmed" if card.external else "saved_unconfirmed", id=card.id)
        messenger.ephemeral(client, channel_id, user_id, told, failure=failure)
    return dict(CONFIRMATION_UNSENT)


def update_confirmation(client: WebClient, card: InsightCard, lang: str, where: dict[str, Any]) -> bool:
    """Replace the confirmation the reporter saw with one that shows the tags; False if it could not.

    A person of another organisation is shown no tags: their confirmation stays as it is (True, nothing sent).
    """
    if card.external or where.get("unsent"):
        return True
    blocks = as_dicts(confirmation_blocks(card, lang))
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
    failure = f"could not send the confirmation of insight {insight_id} again"
    return messenger.post(client, channel, text, blocks, failure=failure)
