"""``/insight``: quick capture, the modal, ``help`` and ``mine``, and clear answers to bad input."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids
from bot.capture import CaptureFailed, draft_from, is_unknown_subcommand, reporter_fields, store, text_problem
from bot.i18n import t
from bot.services import Services
from bot.views.capture_modal import CaptureOrigin, capture_modal
from bot.views.cards import InsightCard
from bot.views.confirmation import confirmation_blocks, confirmation_text
from bot.views.messages import error_with_text_blocks, help_blocks, help_text, mine_blocks, text_blocks
from bot.views.safe import from_slack, safe
from models.repository import reporter_insights

log = logging.getLogger(__name__)

# Announced subcommands that take words after them; they must not be stored as insights by mistake.
LATER_SUBCOMMANDS = frozenset({"search", "config", "forget", "export"})


def _blocks(blocks: list[Any]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def insight_command_callback(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Route ``/insight [text]``; every branch acks within Slack's 3 s, NLP happens later."""
    lang = services.lang
    text = from_slack(body.get("text") or "").strip()
    words = text.split()
    first = words[0].lower() if words else ""
    if not text:
        ack()
        origin = CaptureOrigin(source="modal", channel_id=body.get("channel_id"))
        client.views_open(trigger_id=body["trigger_id"], view=capture_modal(lang, origin))
        return
    if len(words) == 1 and first in ("help", "aide"):
        settings = services.settings
        args = (lang, settings.capture_emoji, settings.escalation_emojis[0], settings.quorum)
        ack(response_type="ephemeral", text=help_text(*args), blocks=_blocks(help_blocks(*args)))
        return
    if len(words) == 1 and first in ("mine", "mes"):
        _answer_mine(services, ack, body)
        return
    if first in LATER_SUBCOMMANDS or is_unknown_subcommand(text):
        message = t(lang, "unknown_subcommand", word=safe(words[0], 40))
        ack(response_type="ephemeral", text=message, blocks=_blocks(text_blocks(message)))
        return
    problem = text_problem(text)
    if problem == "too_long":
        message = t(lang, "too_long", length=len(text), limit=ids.MAX_TEXT_LENGTH)
        ack(response_type="ephemeral", text=message, blocks=_blocks(error_with_text_blocks(message, text)))
        return
    _capture(services, ack, body, text)


def _capture(services: Services, ack: Ack, body: dict[str, Any], text: str) -> None:
    lang = services.lang
    team_id, user_id = body["team_id"], body["user_id"]
    draft = draft_from(
        team_id=team_id,
        idempotency_key=f"command:{team_id}:{body.get('trigger_id') or body.get('response_url')}",
        text=text,
        source="command",
        channel_id=body.get("channel_id"),
        confirmation={"response_url": body.get("response_url")} if body.get("response_url") else {},
        **reporter_fields(services.vault, team_id, user_id, anonymous=False),
    )
    try:
        card, created = store(services, draft)
    except CaptureFailed:
        message = t(lang, "store_failed")
        ack(response_type="ephemeral", text=message, blocks=_blocks(error_with_text_blocks(message, text)))
        return
    ack(
        response_type="ephemeral",
        text=confirmation_text(card, lang, again=not created),
        blocks=_blocks(confirmation_blocks(card, lang, again=not created)),
    )
    if created:
        services.tagging.submit(card.id)


def _answer_mine(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    lang = services.lang
    team_id, user_id = body["team_id"], body["user_id"]
    try:
        with services.sessions.begin() as session:
            rows = reporter_insights(session, team_id, services.vault.hash(team_id, user_id))
            cards = [InsightCard.of(row) for row in rows]
    except SQLAlchemyError:
        log.exception("listing a reporter's insights failed")
        ack(response_type="ephemeral", text=t(lang, "store_failed"))
        return
    ack(response_type="ephemeral", text=t(lang, "mine_title"), blocks=_blocks(mine_blocks(lang, cards)))


def register(app: App, services: Services) -> None:
    def on_insight_command(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        insight_command_callback(services, ack, body, client)

    app.command(ids.COMMAND)(on_insight_command)
